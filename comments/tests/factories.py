from comments.models import Comment


def make_comment(article, **overrides):
    fields = {
        "article": article,
        "name": "A Reader",
        "email": "reader@example.com",
        "body": "A comment.",
        "status": Comment.Status.PENDING,
    } | overrides
    return Comment.objects.create(**fields)
