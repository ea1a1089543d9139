"""The step before an irreversible action. A form's POST without `confirmed=yes` does nothing: the server
answers with a page saying what the action will do, whose button posts the same fields again, confirmed.
Works without JavaScript; a script may ask in a dialog instead and add the field itself."""

from django.shortcuts import render

CONFIRM_FIELD = "confirmed"


def is_confirmed(request) -> bool:
    return request.POST.get(CONFIRM_FIELD) == "yes"


def confirm_first(request, *, question: str, consequence: str = "", confirm_label: str, cancel_url: str, details=(), danger: bool = False):
    """None when the POST carries the confirmation; otherwise the confirmation page to return."""
    if is_confirmed(request):
        return None
    fields = [(name, value) for name in request.POST for value in request.POST.getlist(name) if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD)]
    context = {
        "question": question,
        "consequence": consequence,
        "confirm_label": confirm_label,
        "cancel_url": cancel_url,
        "details": details,
        "danger": danger,
        "fields": fields,
        "action": request.get_full_path(),
    }
    return render(request, "components/confirm.html", context)
