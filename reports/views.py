"""The report page, and each of its tables as CSV (`?format=csv&section=<key>`)."""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from coaching.models import Role
from coaching.roles import role_required
from reports import access
from reports.forms import ReportFilterForm
from reports.report import as_csv, section_by_key
from reports.report import report as build_report
from reports.sections import SECTIONS, Scope


@require_safe
@role_required(Role.ADMIN, Role.COACH)
def report(request: HttpRequest) -> HttpResponse:
    practice = access.sees_practice(request.user)
    form = ReportFilterForm(request.GET, practice=practice)
    if not form.is_valid():
        return render(request, "reports/report.html", {"form": form, "practice": practice})
    period = form.cleaned_data["period"]
    coach = access.coach_of_report(request.user, form.cleaned_data)
    scope = Scope(period=period, coach=coach)
    if request.GET.get("format") == "csv":
        section = section_by_key(request.GET.get("section", ""))
        if section is None:
            raise Http404
        (result,) = build_report(scope, [section.key])
        response = HttpResponse(as_csv(result), content_type="text/csv; charset=utf-8")
        filename = f"rapportage-{section.key}-{period.slug()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    query = {"van": f"{period.first:%Y-%m}", "tot": f"{period.last:%Y-%m}"}
    if practice and coach is not None:
        query["coach"] = str(coach.uuid)
    # The fields show the period the report covers, also when it was the default.
    shown = ReportFilterForm(
        initial={**query, "coach": coach if practice else None}, practice=practice
    )
    return render(
        request,
        "reports/report.html",
        {
            "form": shown,
            "practice": practice,
            "coach": coach,
            "period": period,
            "results": build_report(scope),
            "query": urlencode(query),
            "sections": SECTIONS,
        },
    )
