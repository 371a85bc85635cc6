"""Moderator decisions made up from templates: a site whose moderators refuse insults
(mostly without swear words), off-topic rants and adverts that avoid the usual spam
phrases — the kind of site where its own model should beat the baselines."""

import random

SUBJECTS = [
    "the council",
    "the mayor",
    "the new tram line",
    "the school budget",
    "the harbour plan",
    "the reporter",
    "this story",
    "the library closure",
    "the bus timetable",
    "the housing scheme",
]
OPINIONS = [
    "I agree with {s}, it was overdue",
    "I am not convinced by {s}, the figures look thin",
    "Thanks for covering {s}, very clear reporting",
    "Interesting piece on {s}; I would like to read more on the costs",
    "My neighbours and I discussed {s} at length last night",
    "Good to see {s} finally explained properly",
    "Could you follow up on {s} next month?",
    "I worked on {s} years ago and this matches what I saw",
    "Is there a public meeting about {s}?",
    "Balanced article about {s}, thank you",
]
DETAILS = [
    "",
    " The numbers in the second paragraph surprised me.",
    " My daughter uses that route every day.",
    " Please keep reporting on this.",
    " I hope the consultation listens to residents.",
    " Well done to the team.",
]

INSULTS = [
    "{s} is run by clowns and you are the biggest clown of all",
    "what a pathetic excuse for journalism about {s}, you absolute fool",
    "only a brainless loser would write this rubbish about {s}",
    "the writer of this garbage about {s} should be ashamed, worthless hack",
    "shut up about {s}, nobody wants your dumb opinions, clown",
    "you people covering {s} are traitors and liars, disgusting",
    "go crawl back under your rock, {s} fans are parasites",
    "this trash on {s} was written by a moron for morons",
    "ignorant fools like you ruin every debate about {s}",
    "the mayor and the council are crooks and vermin, and so are you",
]
SPAM = [
    "Hello dear, I earn an income from my laptop at home, see the details on my profile",
    "Replica watches at wholesale prices, visit luxwatch outlet store today",
    "Essay writing service, top grades guaranteed fast delivery, message me",
    "Join our investment club and double your savings in one week",
    "Lose 10 kilos in a month with this one natural supplement, order from our shop",
    "Trusted locksmith 24 hours, affordable rates, call our office",
    "Get thousands of followers for your page, cheap packages, contact our agency",
    "Best escort agency in the city, discreet service, visit our site",
    "I was sceptical too but this trading bot paid for my holiday, ask me how",
    "Wholesale sneakers and handbags, free shipping worldwide, shop now",
]
SPAM_TAILS = ["", " !!", " Limited places.", " Thank you.", " Hurry."]


def decisions(*, per_class=150, seed=7):
    """(text, label) pairs: ``per_class`` each of approved, rejected and spam, shuffled."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(per_class):
        subject = rng.choice(SUBJECTS)
        pairs.append((rng.choice(OPINIONS).format(s=subject) + rng.choice(DETAILS), "approved"))
        pairs.append((rng.choice(INSULTS).format(s=subject), "rejected"))
        pairs.append((rng.choice(SPAM) + rng.choice(SPAM_TAILS), "spam"))
    rng.shuffle(pairs)
    return pairs


def few_decisions():
    """Too few decisions to train on."""
    return decisions(per_class=20)
