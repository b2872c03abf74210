"""A confirmation step for destructive actions, without JavaScript: the first POST answers with a page
saying what will happen and a second form posting the same fields with confirmed=1."""
from flask import render_template, request


def confirmed() -> bool:
    """Whether this POST carries the confirmation step's answer."""
    return request.form.get("confirmed") == "1"


def ask(title: str, message: str, *, button: str, back: str):
    """The confirmation page for this POST (same URL, same fields, plus confirmed=1); nothing has changed."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template("confirm.html", title=title, message=message, button=button, back=back,
                           action=request.path, fields=fields)
