from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coaching.admin_base import AuditedAdminMixin, ReadOnlyAdmin
from trajects.models import (
    AgreementAcceptance,
    AgreementText,
    Answer,
    Evaluation,
    Question,
    Questionnaire,
    Traject,
)


@admin.register(Traject)
class TrajectAdmin(ReadOnlyAdmin):
    """For overview only: the dossier itself is the coach's and opens on the coach pages, where
    every opening is recorded. Nothing is deleted here: erasure is a workflow of its own."""

    list_display = ["client", "title", "kind", "status", "registered_on", "closed_on"]
    list_filter = ["status", "kind", "client__coach"]
    search_fields = ["client__first_name", "client__last_name", "title"]
    list_select_related = ["client"]
    fields = ["client", "kind", "title", "status", "registered_on", "closed_on"]
    readonly_fields = fields


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 1
    fields = [
        ("position", "kind", "required"),
        ("text", "text_en"),
        ("choices", "choices_en"),
        "intake_field",
    ]

    # Once answered, a questionnaire's questions stay as they were (the answers mean what was
    # asked): put it out of use and make a new one instead.
    def has_add_permission(self, request, obj=None):
        return not _answered(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _answered(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _answered(obj) and super().has_delete_permission(request, obj)


def _answered(questionnaire) -> bool:
    return (
        questionnaire is not None
        and Answer.objects.filter(question__questionnaire=questionnaire).exists()
    )


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    """The practice's questionnaires, in Dutch and English. One per kind is in use: that one is
    sent from now on; evaluations asked for earlier keep theirs."""

    list_display = ["name", "kind", "active", "question_count", "answered"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "name_en"]
    fields = ["kind", "active", ("name", "name_en"), ("intro", "intro_en")]
    inlines = [QuestionInline]

    def get_readonly_fields(self, request, obj=None):
        # An answered questionnaire keeps its kind; its names and whether it is in use change.
        return ["kind"] if _answered(obj) else []

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_total=Count("questions", distinct=True),
                evaluation_total=Count(
                    "evaluation", filter=Q(evaluation__completed_at__isnull=False), distinct=True
                ),
            )
        )

    @admin.display(description=_("vragen"), ordering="question_total")
    def question_count(self, obj):
        return obj.question_total

    @admin.display(description=_("keer ingevuld"), ordering="evaluation_total")
    def answered(self, obj):
        return obj.evaluation_total

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.evaluation_set.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    """Which evaluations were asked for and whether they were filled in; the answers themselves
    are the coach's, on the traject or group page."""

    list_display = ["questionnaire", "client", "created_at", "expires_at", "completed_at"]
    list_filter = ["questionnaire__kind", ("completed_at", admin.EmptyFieldListFilter)]
    search_fields = ["client__first_name", "client__last_name"]
    list_select_related = ["questionnaire", "client"]
    fields = ["questionnaire", "client", "traject", "created_at", "expires_at", "completed_at"]
    readonly_fields = fields


@admin.register(AgreementText)
class AgreementTextAdmin(admin.ModelAdmin):
    """The coaching agreement and the privacy statement, in versions. Saving a text makes a
    new version (the one the client's side accepts from then on); an accepted version never
    changes (its table refuses an UPDATE: trajects migration 0015). A version nobody accepted
    yet can be deleted."""

    list_display = ["title", "kind", "version", "created_at", "created_by"]
    list_filter = ["kind"]
    fields = ["kind", ("title", "title_en"), "body", "body_en"]
    readonly_fields = ["version", "created_at", "created_by"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Always a new row, numbered after the newest of its kind: "changing" version 3 saves
        version 4 with the text as edited, and version 3 stays as it was. Nothing changed:
        nothing saved (a new version would send everyone who is reading it back to read it).
        Two admins saving at once: the newest row's lock puts them one after the other."""
        if change and form is not None and not form.has_changed():
            obj._unchanged = True
            return
        with transaction.atomic():
            # Locked, then counted in a statement of its own: one that waited for the other
            # admin's save sees its version (PostgreSQL's READ COMMITTED).
            list(
                AgreementText.objects.select_for_update()
                .filter(kind=obj.kind)
                .order_by("-version")
                .values_list("pk", flat=True)[:1]
            )
            newest = AgreementText.objects.filter(kind=obj.kind).aggregate(Max("version"))
            obj.pk = None
            obj._state.adding = True
            obj.version = (newest["version__max"] or 0) + 1
            obj.created_at = timezone.now()
            obj.created_by = request.user.get_full_name() or request.user.email
            obj.save()

    def response_change(self, request, obj):
        if getattr(obj, "_unchanged", False):
            message = _("Er is niets veranderd; versie %(version)s blijft.")
        else:
            message = _(
                "Opgeslagen als versie %(version)s. Wie eerder akkoord gaf, houdt de versie die "
                "hij las."
            )
        self.message_user(request, message % {"version": obj.version})
        return self.response_post_save_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        if (
            obj is not None
            and AgreementAcceptance.objects.filter(Q(terms=obj) | Q(privacy=obj)).exists()
        ):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(AuditedAdminMixin, ReadOnlyAdmin):
    """Who accepted which version, when and from where (each opening logged); the PDF is on
    the coach's traject page and in the client's portal."""

    audit_what = "agreement"

    def audit_client_of(self, obj):
        return obj.traject.client

    list_display = ["name", "party", "traject", "accepted_at", "terms", "privacy"]
    list_filter = ["party", "terms", "privacy"]
    list_select_related = ["traject__client", "terms", "privacy"]
    fields = [
        "traject",
        "party",
        "name",
        "relation",
        "client_age",
        "accepted_at",
        "ip_address",
        "account_email",
        "language",
        "terms",
        "terms_sha256",
        "privacy",
        "privacy_sha256",
    ]
    readonly_fields = fields
