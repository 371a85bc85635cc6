"""Invented news copy for generated demo stories: compact, varied, and the same for a seed.

Words come from small fixed vocabularies; how often each is used falls off steeply with
its rank (``weights``), as in real copy, so a site filled with it has common words (a
search for "council" matches a large share of stories) and rare ones (a small town's name
matches a handful). ``RARE_PLACE`` and ``COMMON_WORD`` name one of each for benchmarks.
Nothing here touches the database.
"""

import itertools
import random
from bisect import bisect
from datetime import timedelta
from math import exp, log

from django.utils.text import slugify

SECTIONS = [
    "News", "Local", "Business", "Politics", "Sport", "Science", "Culture", "World",
    "Health", "Education", "Environment", "Technology", "Travel", "Opinion", "Food", "Weather",
]  # fmt: skip
TOPICS = [
    "transport", "housing", "elections", "schools", "hospitals", "weather", "football",
    "cricket", "theatre", "music", "libraries", "wildlife", "farming", "fishing", "budget",
    "courts", "policing", "energy", "water", "rail", "buses", "cycling", "roads", "planning",
    "heritage", "festivals", "museums", "jobs", "wages", "tourism", "ferries", "flooding",
    "storms", "parks", "markets", "small business", "co-operatives", "charities", "volunteers",
    "research", "universities", "medicine", "vaccines", "care homes", "childcare", "pensions",
    "taxes", "council", "parliament", "courts of appeal", "rivers", "beaches", "forests",
    "air quality", "recycling", "broadband", "airports", "harbours", "bridges", "elections 2024",
]  # fmt: skip
_PREFIXES = [
    "Ash", "Brack", "Cold", "Dun", "Elm", "Fair", "Glen", "Hol", "Kings", "Lang", "Marsh",
    "North", "Oak", "Pen", "Red", "Stan", "Thorn", "Wes", "Whit", "Yar", "Bel", "Cal", "Der",
    "Fen", "Har", "Lin", "Mor", "Nor", "Ros", "Sel", "Tal", "Wen",
]  # fmt: skip
_SUFFIXES = [
    "ford", "bury", "ton", "wick", "ham", "field", "mouth", "bridge", "stead", "more", "dale",
    "port", "by", "worth", "combe", "hurst", "ley", "minster", "well", "gate",
]  # fmt: skip
# Every invented town, in a fixed order that does not follow the alphabet: rank 0 is the
# most written-about.
PLACES = [p + s for p, s in itertools.product(_PREFIXES, _SUFFIXES)]
random.Random(0).shuffle(PLACES)
FIRST_NAMES = [
    "Ada", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kit", "Lena",
    "Max", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tess", "Uma", "Vic", "Wyn", "Xan",
    "Yara", "Zed", "Alma", "Bram", "Cleo", "Dara", "Esme", "Finn", "Gita", "Hal", "Iris",
    "Jude", "Kofi", "Lars", "Mina", "Ned",
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Baker", "Carter", "Dalton", "Evans", "Fisher", "Garcia", "Hughes", "Iqbal",
    "Jensen", "Khan", "Lowe", "Mensah", "Novak", "Okafor", "Price", "Quigley", "Reyes",
    "Singh", "Turner", "Usman", "Varga", "Walsh", "Xu", "Young", "Zielinski", "Achebe",
    "Brennan", "Costa", "Dubois", "Eriksen", "Fontaine", "Gallo", "Haddad", "Ito", "Jovanovic",
    "Kowalski", "Lindqvist", "Moreau", "Nakamura",
]  # fmt: skip
AGENCIES = ["Northern Wire", "Coastal News Agency", "Valley Press", "Staff reporter"]
PEOPLE = [f"{f} {last}" for last, f in itertools.product(LAST_NAMES, FIRST_NAMES)]
random.Random(1).shuffle(PEOPLE)
CONTRIBUTORS = AGENCIES + PEOPLE

NOUNS = [
    "council", "school", "hospital", "harbour", "bridge", "library", "market", "festival",
    "museum", "station", "park", "river", "ferry", "budget", "plan", "court", "farm",
    "factory", "bakery", "club", "team", "theatre", "choir", "hotel", "airport", "railway",
    "bus route", "cycle lane", "housing scheme", "union", "charity", "survey", "clinic",
    "garden", "forest", "beach", "lighthouse", "mill", "quarry", "reservoir", "orchestra",
    "exhibition", "sports centre", "swimming pool", "fire station", "town hall", "cathedral",
    "university", "laboratory", "nature reserve",
]  # fmt: skip
GROUPS = [
    "residents", "councillors", "teachers", "nurses", "farmers", "shopkeepers", "engineers",
    "volunteers", "students", "fishermen", "drivers", "parents", "researchers", "campaigners",
    "officials", "commuters", "players", "doctors", "musicians", "pensioners",
]  # fmt: skip
ADJECTIVES = [
    "new", "old", "local", "historic", "busy", "quiet", "long-awaited", "controversial",
    "modest", "ambitious", "small", "large", "regional", "seasonal", "annual", "popular",
    "temporary", "permanent", "revised", "expanded",
]  # fmt: skip
HEADLINE_VERBS = [
    "approves", "rejects", "opens", "closes", "delays", "celebrates", "expands", "reviews",
    "cuts", "plans", "wins", "reopens", "welcomes", "backs", "questions", "restores",
]  # fmt: skip
VERBS = [
    "improve", "replace", "protect", "extend", "rebuild", "fund", "reduce", "move", "open",
    "close", "share", "test", "repair", "review", "support",
]  # fmt: skip
PAST = [
    "rose", "fell", "grew", "dropped", "climbed", "slipped",
]  # fmt: skip
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
ROLES = ["a spokesperson", "the chair", "a local resident", "the head teacher", "an organiser"]

COMMON_WORD = "council"  # the most used noun: found in a large share of stories
RARE_PLACE = PLACES[-1]  # the least written-about town: a handful of stories


def weights(count, spread):
    """Cumulative weights for ranks 0..count-1: rank 0 is ``spread`` times as likely as the last."""
    if count <= 1:
        return [1.0] * count
    ratio = exp(-log(spread) / (count - 1))
    return list(itertools.accumulate(ratio**rank for rank in range(count)))


def tag_names(count):
    """``count`` distinct tag names: topics first, then towns, then town-and-topic pairs."""
    pairs = (f"{place} {topic}" for topic, place in itertools.product(TOPICS, PLACES))
    return list(itertools.islice(itertools.chain(TOPICS, PLACES, pairs), count))


def section_names(count):
    extra = (f"Section {n}" for n in itertools.count(len(SECTIONS) + 1))
    return list(itertools.islice(itertools.chain(SECTIONS, extra), count))


def contributor_names(count):
    extra = (f"Reporter {n}" for n in itertools.count(len(CONTRIBUTORS) + 1))
    return list(itertools.islice(itertools.chain(CONTRIBUTORS, extra), count))


def commenter(number):
    """The ``number``-th regular commenter: name, email and a documentation-range address."""
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    last = LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)]
    email = f"{slugify(first)}.{slugify(last)}.{number}@example.com"
    return f"{first} {last[0]}.", email, f"198.51.100.{number % 254 + 1}"


_PLACE_WEIGHTS = weights(len(PLACES), 3000)
_NOUN_WEIGHTS = weights(len(NOUNS), 40)


def picker(rng: random.Random, words, cum_weights=None):
    """A function returning one of ``words`` at random (weighted by ``cum_weights``), fast."""
    draw = rng.random
    if cum_weights is None:
        count = len(words)
        return lambda: words[int(draw() * count)]
    total = cum_weights[-1]
    return lambda: words[bisect(cum_weights, draw() * total)]


class Writer:
    """Writes one story's words from its own random generator (so a story depends only on
    its seed and number, never on what was generated before it)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.place = picker(rng, PLACES, _PLACE_WEIGHTS)()
        self.noun = picker(rng, NOUNS, _NOUN_WEIGHTS)
        self.group = picker(rng, GROUPS)
        self.adjective = picker(rng, ADJECTIVES)
        self.verb = picker(rng, VERBS)
        self.month = picker(rng, MONTHS)

    def headline(self):
        r = self.rng.random()
        noun, adjective, place = self.noun, self.adjective, self.place
        verb = HEADLINE_VERBS[int(self.rng.random() * len(HEADLINE_VERBS))]
        if r < 0.4:
            text = f"{place} {noun()} {verb} {adjective()} {noun()}"
        elif r < 0.7:
            text = f"{self.group().capitalize()} in {place} {verb[:-1]} {adjective()} {noun()}"
        else:
            text = f"{adjective().capitalize()} {noun()} for {place} as {self.group()} {self.verb()} the {noun()}"
        return text[0].upper() + text[1:]

    def sentence(self):
        noun, adjective, group, verb = self.noun, self.adjective, self.group, self.verb
        number = self.rng.randint
        kind = int(self.rng.random() * 6)
        if kind == 0:
            return (
                f"{group().capitalize()} in {self.place} said the {adjective()} {noun()} "
                f"would {verb()} the {noun()} by {self.month()}."
            )
        if kind == 1:
            past = PAST[int(self.rng.random() * len(PAST))]
            return (
                f"Use of the {noun()} {past} by {number(2, 60)} per cent last year, "
                f"according to the {noun()} report."
            )
        if kind == 2:
            role = ROLES[int(self.rng.random() * len(ROLES))]
            return (
                f"“We want to {verb()} the {noun()} for everyone,” said {role}, adding that "
                f"{group()} had been consulted."
            )
        if kind == 3:
            return (
                f"The {noun()} in {self.place} has been {adjective()} since "
                f"{number(1890, 2020)}, and the {noun()} nearby since the war."
            )
        if kind == 4:
            return (
                f"A decision on the {adjective()} {noun()} is expected in {self.month()}, "
                f"after {number(3, 900)} {group()} responded."
            )
        return (
            f"Critics said the plan to {verb()} the {noun()} would cost more than "
            f"{number(2, 95)} million and leave the {noun()} without support."
        )

    def summary(self):
        return self.sentence()

    def body(self, paragraphs=3, sentences=2):
        """``paragraphs`` of ``sentences`` each (``body_shape`` for a length in words)."""
        # As sanitised HTML: nothing in the sentences needs escaping.
        return "".join(
            "<p>" + " ".join([self.sentence() for _ in range(sentences)]) + "</p>"
            for _ in range(paragraphs)
        )

    def comment(self):
        noun, group = self.noun, self.group
        kind = int(self.rng.random() * 4)
        if kind == 0:
            return f"The {noun()} in {self.place} needed this years ago."
        if kind == 1:
            return (
                f"I doubt the {noun()} will {self.verb()} anything.\n"
                f"Ask the {group()} what they think."
            )
        if kind == 2:
            return f"Good news for {group()}, at last."
        return f"Who pays for the {self.adjective()} {noun()}? Not the {group()}."

    def comment_times(self, published, now, count):
        """``count`` increasing instants after ``published`` and before ``now``."""
        room = max(min(now - published, timedelta(days=3)) - timedelta(seconds=1), timedelta(0))
        draw = self.rng.random
        return [published + room * offset for offset in sorted(draw() for _ in range(count))]


# A generated sentence has about this many words.
WORDS_PER_SENTENCE = 17


def body_shape(words):
    """(paragraphs, sentences per paragraph) for a body of about ``words`` words."""
    sentences = 2 if words < 200 else 4
    return max(1, round(words / (WORDS_PER_SENTENCE * sentences))), sentences
