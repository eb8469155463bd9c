"""Data of planflow's documents app: the directory of units, plans, recipients, deliveries.

Vocabulary follows Nghị định 30/2020/NĐ-CP on administrative documents (công tác văn
thư): plan (kế hoạch), issuer (cơ quan ban hành), recipient (nơi nhận), number and
symbol (số, ký hiệu), outgoing register (sổ văn bản đi), legal basis (căn cứ),
urgency (độ khẩn). Per-recipient states follow the feedback codes of the national
e-document exchange (QCVN 102:2016/BTTTT, "edXML").
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Unit(models.Model):
    """An office in the directory: a committee, a department, a district-level body.

    Units form a tree (`parent`). `level` and `area_kind` say what a unit is, so
    that a group phrase such as "các huyện, thị xã" can be expanded to the units
    it covers without knowing their names.
    """

    class Level(models.TextChoices):
        CENTRAL = "central", _("Trung ương")
        PROVINCE = "province", _("Cấp tỉnh")
        DISTRICT = "district", _("Cấp huyện")
        COMMUNE = "commune", _("Cấp xã")

    class AreaKind(models.TextChoices):
        """Kind of administrative area the unit serves (Luật Tổ chức chính quyền địa phương)."""

        NATION = "nation", _("Cả nước")
        PROVINCE = "tinh", _("tỉnh")
        CENTRAL_CITY = "thanh_pho_tw", _("thành phố trực thuộc trung ương")
        CITY = "thanh_pho", _("thành phố")
        TOWN = "thi_xa", _("thị xã")
        DISTRICT = "huyen", _("huyện")
        URBAN_DISTRICT = "quan", _("quận")
        COMMUNE = "xa", _("xã")
        WARD = "phuong", _("phường")
        TOWNLET = "thi_tran", _("thị trấn")

    class Body(models.TextChoices):
        """Kind of body, as used in names and in group phrases."""

        FRONT = "mttq", _("Ủy ban Mặt trận Tổ quốc")
        PEOPLES_COMMITTEE = "ubnd", _("Ủy ban nhân dân")
        PEOPLES_COUNCIL = "hdnd", _("Hội đồng nhân dân")
        DEPARTMENT = "so", _("Sở, ban, ngành")
        OTHER = "other", _("Khác")

    code = models.SlugField(_("mã đơn vị"), max_length=64, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=120, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("cấp"), max_length=16, choices=Level.choices)
    body = models.CharField(_("loại cơ quan"), max_length=16, choices=Body.choices)
    area_kind = models.CharField(_("loại địa bàn"), max_length=16, choices=AreaKind.choices)
    area_name = models.CharField(_("tên địa bàn"), max_length=120, blank=True)
    province = models.CharField(
        _("tỉnh, thành phố"),
        max_length=120,
        blank=True,
        db_index=True,
        help_text=_("Tỉnh, thành phố trực thuộc trung ương của đơn vị; để trống với cơ quan trung ương."),
    )
    symbol = models.CharField(
        _("ký hiệu"),
        max_length=40,
        blank=True,
        help_text=_("Ký hiệu của cơ quan trong số ký hiệu văn bản, ví dụ MTTQ-BTT."),
    )
    signature_authority = models.CharField(
        _("thẩm quyền ký"),
        max_length=120,
        blank=True,
        help_text=_("Dòng thẩm quyền trên chữ ký khi lãnh đạo ký thay mặt tập thể, ví dụ TM. BAN THƯỜNG TRỰC."),
    )
    aliases = models.JSONField(
        _("tên gọi khác"),
        default=list,
        blank=True,
        help_text=_("Các cách viết khác của tên đơn vị trong văn bản."),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["level", "name"]
        permissions = [
            ("draft_for_unit", "Soạn văn bản cho đơn vị"),
            ("approve_for_unit", "Duyệt văn bản của đơn vị"),
            ("register_for_unit", "Vào sổ và phát hành văn bản của đơn vị"),
            ("receive_for_unit", "Tiếp nhận và báo cáo thay đơn vị"),
            ("review_for_unit", "Xem xét báo cáo gửi đơn vị"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in one unit; a person may hold roles in several units."""

    class Role(models.TextChoices):
        DRAFTER = "drafter", _("Chuyên viên")
        LEADER = "leader", _("Lãnh đạo")
        CLERK = "clerk", _("Văn thư")
        OFFICER = "officer", _("Cán bộ tiếp nhận")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    title = models.CharField(_("chức vụ"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("thành viên đơn vị")
        verbose_name_plural = _("thành viên đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit}"


class UnitUserObjectPermission(UserObjectPermissionBase):
    """A person's object permission on one unit (guardian's direct-foreign-key table for `Unit`).

    guardian finds this model through the reverse relation on `Unit` and uses it instead of its
    generic `UserObjectPermission` for every unit (assign_perm, remove_perm, has_perm,
    get_objects_for_user): a real foreign key with an index, no text `object_pk` to cast.
    Rows are written only by `documents.permissions.grant_role`/`revoke_role`.
    """

    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="user_object_permissions")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("quyền của người trên đơn vị")
        verbose_name_plural = _("quyền của người trên đơn vị")


class UnitGroupObjectPermission(GroupObjectPermissionBase):
    """A group's object permission on one unit (guardian's direct-foreign-key table for `Unit`).

    planflow grants no group permissions today; the table exists so that guardian never falls
    back to its generic `GroupObjectPermission` table for units.
    """

    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="group_object_permissions")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("quyền của nhóm trên đơn vị")
        verbose_name_plural = _("quyền của nhóm trên đơn vị")


class DeputyshipQuerySet(models.QuerySet):
    def active_on(self, day: dt.date) -> DeputyshipQuerySet:
        """Deputyships in force on `day` (a local date, Asia/Ho_Chi_Minh), checked against the directory.

        In force: not revoked, `starts_on <= day <= ends_on`, the leader still holds the
        leader role in the unit and the deputy still holds a role there.
        """
        leader_role = Membership.objects.filter(
            user_id=OuterRef("leader_id"), unit_id=OuterRef("unit_id"), role=Membership.Role.LEADER
        )
        deputy_role = Membership.objects.filter(user_id=OuterRef("deputy_id"), unit_id=OuterRef("unit_id"))
        return self.filter(
            Exists(leader_role),
            Exists(deputy_role),
            revoked_at__isnull=True,
            starts_on__lte=day,
            ends_on__gte=day,
        )


class Deputyship(models.Model):
    """A leader on leave names a deputy (người được giao thay) for one unit over a range of dates.

    `starts_on` and `ends_on` are local dates (Asia/Ho_Chi_Minh), both included. While it is in
    force (`DeputyshipQuerySet.active_on`) the deputy holds the leader role's unit permissions
    on `unit` (`documents.permissions.ROLE_PERMISSIONS[LEADER]`), evaluated when a permission is
    checked, and every action they take by it is recorded "on behalf of" the leader
    (`PlanEvent.on_behalf_of`). The deputy must hold a role in the unit (so that they see the
    unit's plans) and must not be a leader of it already. A revoked deputyship stays as history.
    Rules and errors: `documents.services.deputyship_create` / `deputyship_revoke`.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="deputyships")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lãnh đạo vắng mặt"), on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người được giao thay"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến hết ngày"))
    reason = models.CharField(_("lý do"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người giao"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("ngày giao"), default=timezone.now)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thu hồi"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = DeputyshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("giao người thay lãnh đạo")
        verbose_name_plural = _("giao người thay lãnh đạo")
        ordering = ["unit", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="deputyship_range_ordered"),
            models.CheckConstraint(condition=~Q(deputy=F("leader")), name="deputyship_not_self"),
        ]
        indexes = [
            models.Index(fields=["deputy", "ends_on"], name="deputyship_deputy_end"),
            models.Index(fields=["unit", "leader", "ends_on"], name="deputyship_unit_leader_end"),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} thay {self.leader} – {self.unit} ({self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y})"

    def is_active_on(self, day: dt.date) -> bool:
        """True when not revoked and `day` lies in the range (the directory is not re-checked here)."""
        return self.revoked_at is None and self.starts_on <= day <= self.ends_on


class Urgency(models.TextChoices):
    """Độ khẩn (Nghị định 30/2020/NĐ-CP, Phụ lục I, mục I.12)."""

    NORMAL = "", _("Thường")
    URGENT = "khan", _("Khẩn")
    VERY_URGENT = "thuong_khan", _("Thượng khẩn")
    FLASH = "hoa_toc", _("Hỏa tốc")


class Confidentiality(models.TextChoices):
    """Độ mật (Luật Bảo vệ bí mật nhà nước 2018; Nghị định 30/2020/NĐ-CP, Phụ lục I, mục I.11)."""

    NONE = "", _("Thường")
    SECRET = "mat", _("Mật")
    TOP_SECRET = "toi_mat", _("Tối mật")
    ABSOLUTE_SECRET = "tuyet_mat", _("Tuyệt mật")


class Plan(models.Model):
    """A plan (kế hoạch) from its draft to its completion.

    `state` is the plan's stage; the viewflow process in `workflow` carries who may
    act next. `number`/`number_symbol` are given at registration from the issuer's
    outgoing register of the issue year (see `OutgoingRegister`).
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        RETURNED = "returned", _("Bị trả lại để sửa")
        PENDING_APPROVAL = "pending_approval", _("Chờ duyệt")
        APPROVED = "approved", _("Đã duyệt, chờ vào sổ")
        REGISTERED = "registered", _("Đã vào sổ, chờ phát hành")
        IN_EXECUTION = "in_execution", _("Đang thực hiện")
        COMPLETED = "completed", _("Hoàn thành")
        REJECTED = "rejected", _("Không duyệt")
        WITHDRAWN = "withdrawn", _("Đã thu hồi")

    OPEN_STATES = (
        State.DRAFT,
        State.RETURNED,
        State.PENDING_APPROVAL,
        State.APPROVED,
        State.REGISTERED,
        State.IN_EXECUTION,
    )
    EDITABLE_STATES = (State.DRAFT, State.RETURNED)

    doc_type = models.CharField(_("loại văn bản"), max_length=8, default="KH")
    issuer = models.ForeignKey(Unit, verbose_name=_("cơ quan ban hành"), on_delete=models.PROTECT, related_name="plans")
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người soạn"),
        on_delete=models.PROTECT,
        related_name="drafted_plans",
    )
    state = models.CharField(_("trạng thái"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)

    title = models.CharField(_("trích yếu"), max_length=500)
    legal_basis = models.JSONField(_("căn cứ"), default=list, blank=True)
    sections = models.JSONField(_("các phần"), default=list, blank=True)
    body = models.TextField(_("nội dung"), blank=True)
    source_text = models.TextField(_("văn bản gốc đã chuẩn hóa"), blank=True)
    urgency = models.CharField(_("độ khẩn"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL, blank=True)
    confidentiality = models.CharField(
        _("độ mật"), max_length=16, choices=Confidentiality.choices, default=Confidentiality.NONE, blank=True
    )
    signer_authority = models.CharField(
        _("thẩm quyền ký"), max_length=120, blank=True, help_text=_("TM., KT., Q., TL., TUQ. như ghi ở khối chữ ký.")
    )
    place = models.CharField(_("địa danh"), max_length=120, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=255, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=120, blank=True)
    schedule_start = models.DateField(_("thực hiện từ ngày"), null=True, blank=True)
    schedule_end = models.DateField(_("thực hiện đến ngày"), null=True, blank=True)
    deadline_overrides = models.JSONField(
        _("thời hạn riêng của kế hoạch"),
        default=dict,
        blank=True,
        help_text=_("Ghi đè thời hạn mặc định (settings.PLANFLOW_DEADLINES) cho riêng kế hoạch này."),
    )

    number = models.PositiveIntegerField(_("số"), null=True, blank=True)
    register_year = models.PositiveSmallIntegerField(_("năm của sổ"), null=True, blank=True)
    number_symbol = models.CharField(_("số, ký hiệu"), max_length=80, blank=True)
    issue_date = models.DateField(_("ngày ban hành"), null=True, blank=True)

    created_at = models.DateTimeField(_("ngày tạo"), default=timezone.now)
    updated_at = models.DateTimeField(_("cập nhật"), auto_now=True)
    search_key = models.TextField(
        _("khóa tìm kiếm"),
        blank=True,
        default="",
        db_default="",
        editable=False,
        help_text=_("Các từ của trích yếu, số ký hiệu, cơ quan ban hành và nơi nhận, viết thường, không dấu."),
    )

    class Meta:
        verbose_name = _("kế hoạch")
        verbose_name_plural = _("kế hoạch")
        ordering = ["-created_at"]
        constraints = [
            # The last guard behind the register: one number per issuer, type and year.
            models.UniqueConstraint(
                fields=["issuer", "register_year", "number"],
                name="plan_number_unique_per_register",
                condition=Q(number__isnull=False),
            ),
        ]
        indexes = [
            # The plan list, newest first; MIN/MAX of the year filter's choices (docs/performance.md).
            models.Index(fields=["created_at"], name="plan_created"),
            models.Index(fields=["issue_date"], name="plan_issue_date"),
        ]

    def __str__(self) -> str:
        return self.number_symbol or self.title

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class PlanTask(models.Model):
    """A task of the plan with its lead unit (chủ trì), cooperating units (phối hợp) and time.

    `lead_phrase`/`partner_phrases` keep the words of the text; `lead_unit` is the
    directory unit the lead phrase resolved to, when it did.
    """

    plan = models.ForeignKey("Plan", on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField(default=0)
    title = models.TextField(_("nhiệm vụ"))
    section = models.CharField(_("thuộc mục"), max_length=255, blank=True)
    line = models.PositiveIntegerField(_("dòng"), null=True, blank=True)
    lead_phrase = models.CharField(_("chủ trì (như ghi)"), max_length=500, blank=True)
    lead_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    partner_phrases = models.JSONField(_("phối hợp"), default=list, blank=True)
    deadline_text = models.CharField(_("thời gian (như ghi)"), max_length=500, blank=True)
    start_date = models.DateField(_("từ ngày"), null=True, blank=True)
    end_date = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["plan", "position"]
        indexes = [models.Index(fields=["lead_unit", "end_date"], name="plantask_lead_end")]

    def __str__(self) -> str:
        return self.title[:80]


def attachment_upload_to(instance: PlanAttachment, filename: str) -> str:
    """A generated name under the plan's folder; the person's file name is kept in the row only."""
    return f"plans/{instance.plan_id}/{_safe_name(filename)}"


def _safe_name(filename: str) -> str:
    from uuid import uuid4

    suffix = filename.rsplit(".", 1)[-1][:10] if "." in filename else ""
    suffix = "".join(c for c in suffix if c.isascii() and c.isalnum()).lower() or "bin"
    return f"{uuid4().hex}.{suffix}"


class PlanAttachment(models.Model):
    """A file attached to a plan (phụ lục, biểu mẫu), stored under a generated name."""

    plan = models.ForeignKey("Plan", on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("tệp"), upload_to=attachment_upload_to)
    name = models.CharField(_("tên tệp"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tệp đính kèm")
        verbose_name_plural = _("tệp đính kèm")
        ordering = ["plan", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


class PlanVersion(models.Model):
    """The content of a plan as it was submitted for approval, one row per submission."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    legal_basis = models.JSONField(default=list)
    sections = models.JSONField(default=list)
    body = models.TextField(blank=True)
    recipients = models.JSONField(default=list)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "version"]
        constraints = [models.UniqueConstraint(fields=["plan", "version"], name="plan_version_unique")]

    def __str__(self) -> str:
        return f"{self.plan} – bản trình {self.version}"


class OutgoingRegister(models.Model):
    """Sổ văn bản đi: one per issuing unit and calendar year; numbers restart at 1.

    Nghị định 30/2020/NĐ-CP, Điều 15: numbers are given in order within the year
    and never reused. `last_number` is increased with one UPDATE inside the
    registration transaction (see `services.register_next_number`).
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="outgoing_registers")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("sổ văn bản đi")
        verbose_name_plural = _("sổ văn bản đi")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="register_unique_unit_year")]

    def __str__(self) -> str:
        return f"Sổ văn bản đi {self.year} – {self.unit}"


class Purpose(models.TextChoices):
    """Why a recipient receives the plan (the words after each Nơi nhận entry)."""

    IMPLEMENT = "implement", _("Để thực hiện")
    COORDINATE = "coordinate", _("Để phối hợp")
    INFORMATION = "information", _("Để biết")
    REPORT = "report", _("Để báo cáo")
    ARCHIVE = "archive", _("Lưu")


class Recipient(models.Model):
    """One addressee of a plan: an entry of its Nơi nhận, resolved to a unit where possible.

    A group phrase ("Ban Thường trực Uỷ ban MTTQ các huyện, thị xã") becomes one row per
    unit it covers, each keeping the phrase in `phrase`. A phrase that matches no unit
    stays as a row with `unit=None` and `needs_attention=True` for the clerk. The
    archive line ("Lưu: VT, …") is kept with purpose ARCHIVE and is never dispatched.
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="recipients")
    position = models.PositiveIntegerField(default=0)
    phrase = models.CharField(_("như viết trong văn bản"), max_length=500)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("mục đích"), max_length=16, choices=Purpose.choices, default=Purpose.IMPLEMENT)
    requires_report = models.BooleanField(_("phải báo cáo kết quả"), default=False)
    needs_attention = models.BooleanField(_("cần văn thư xử lý"), default=False)
    note = models.CharField(max_length=255, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("nơi nhận")
        verbose_name_plural = _("nơi nhận")
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "unit"],
                name="recipient_unique_unit",
                condition=Q(unit__isnull=False, removed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return str(self.unit or self.phrase)

    @property
    def is_dispatchable(self) -> bool:
        return self.unit_id is not None and self.purpose != Purpose.ARCHIVE and self.removed_at is None


class Delivery(models.Model):
    """The plan as sent to one recipient unit, and that unit's progress on it.

    `State` values map to the feedback codes of QCVN 102:2016/BTTTT (edXML) in
    `EDXML_CODES`. Recipients confirm receipt the same working day
    (Nghị định 30/2020/NĐ-CP, Điều 21).

    Due times (aware datetimes, UTC in the database): `acknowledge_due_at` and, when the unit
    must report, `report_due_at`. They are written once by the notifications sweep, from the
    working-day calendar and the plan's deadline policy, within a minute of dispatch
    (`due_set_at`); until then both are NULL and nothing about the delivery is late. Every
    page that says "late" reads them through `documents.selectors.overdue_delivery_q`.
    """

    class State(models.TextChoices):
        SENT = "sent", _("Đã gửi")
        ACKNOWLEDGED = "acknowledged", _("Đã tiếp nhận")
        REFUSED = "refused", _("Từ chối (gửi nhầm)")
        REPORTED = "reported", _("Đã báo cáo")
        RETURNED = "returned", _("Báo cáo bị trả lại")
        ACCEPTED = "accepted", _("Báo cáo được chấp nhận")
        WITHDRAWN = "withdrawn", _("Đã thu hồi")

    EDXML_CODES = {
        State.SENT: "01",
        State.REFUSED: "02",
        State.ACKNOWLEDGED: "03",
        State.REPORTED: "05",
        State.RETURNED: "05",
        State.ACCEPTED: "06",
        State.WITHDRAWN: "15",
    }
    CLOSED_STATES = (State.REFUSED, State.ACCEPTED, State.WITHDRAWN)

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="deliveries")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="deliveries")
    requires_report = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SENT)
    sent_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    acknowledge_due_at = models.DateTimeField(_("hạn tiếp nhận"), null=True, blank=True)
    report_due_at = models.DateTimeField(_("hạn báo cáo"), null=True, blank=True)
    due_set_at = models.DateTimeField(null=True, blank=True)
    """When the notifications sweep wrote the two due times (NULL: not yet; see `notifications.deadlines`)."""

    class Meta:
        verbose_name = _("văn bản đã gửi")
        verbose_name_plural = _("văn bản đã gửi")
        ordering = ["plan", "unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "unit"],
                name="delivery_unique_open_unit",
                condition=~Q(state__in=["refused", "withdrawn"]),
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "state"], name="delivery_unit_state"),
            # "Plans delivered to my units" from the index alone (the plan list's visibility).
            models.Index(fields=["unit", "plan"], name="delivery_unit_plan"),
            # The deliveries whose due times the sweep has still to write: a handful, read every minute.
            models.Index(fields=["id"], name="delivery_due_unset", condition=Q(due_set_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.plan} → {self.unit}"

    @property
    def edxml_code(self) -> str:
        return self.EDXML_CODES[self.State(self.state)]

    @property
    def is_closed(self) -> bool:
        return self.state in self.CLOSED_STATES or (self.state == self.State.ACKNOWLEDGED and not self.requires_report)


def report_upload_to(instance: Report, filename: str) -> str:
    """Store a report's file under a generated name; the person's file name is kept in the row."""
    return f"reports/{instance.delivery.plan_id}/{_safe_name(filename)}"


class Report(models.Model):
    """A completion report (báo cáo kết quả) of a recipient unit, and the issuer's review of it."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Chờ xem xét")
        ACCEPTED = "accepted", _("Chấp nhận")
        RETURNED = "returned", _("Trả lại, bổ sung")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("nội dung báo cáo"))
    attachment = models.FileField(_("tệp đính kèm"), upload_to=report_upload_to, blank=True)
    attachment_name = models.CharField(_("tên tệp"), max_length=255, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("báo cáo kết quả")
        verbose_name_plural = _("báo cáo kết quả")
        ordering = ["delivery", "submitted_at"]

    def __str__(self) -> str:
        return f"Báo cáo của {self.delivery.unit} ({self.get_decision_display()})"


class AuditHead(models.Model):
    """The last link of the audit chain: one row, locked while a record is appended.

    It holds the hash and number of the newest record, so that cutting records off
    the end of the chain is detected too (`documents.audit.verify_chain`).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("đầu chuỗi nhật ký")
        verbose_name_plural = _("đầu chuỗi nhật ký")

    def __str__(self) -> str:
        return f"#{self.last_sequence} {self.last_hash[:12]}"


class PlanEvent(models.Model):
    """One append-only audit record per transition or change: who, for whom, when, from, to, comment.

    Boards and timelines read these rows, never logs. Records form one hash chain
    (`sequence`, `prev_hash`, `hash`: SHA-256 over the record's content and the
    previous record's hash), checked by `manage.py audit_verify`. Changes to the
    directory (roles granted or taken back) are recorded here too, with no plan.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Tạo dự thảo")
        EDIT = "edit", _("Sửa dự thảo")
        SUBMIT = "submit", _("Trình duyệt")
        RETURN = "return", _("Trả lại")
        APPROVE = "approve", _("Duyệt")
        REJECT = "reject", _("Không duyệt")
        REGISTER = "register", _("Vào sổ, cấp số")
        DISPATCH = "dispatch", _("Phát hành")
        ACKNOWLEDGE = "acknowledge", _("Tiếp nhận")
        REFUSE = "refuse", _("Từ chối nhận")
        RECIPIENT_ADD = "recipient_add", _("Bổ sung nơi nhận")
        RECIPIENT_REMOVE = "recipient_remove", _("Bỏ nơi nhận")
        REPORT = "report", _("Gửi báo cáo")
        ACCEPT_REPORT = "accept_report", _("Chấp nhận báo cáo")
        RETURN_REPORT = "return_report", _("Trả lại báo cáo")
        COMPLETE = "complete", _("Hoàn thành")
        WITHDRAW = "withdraw", _("Thu hồi")
        ROLE_GRANT = "role_grant", _("Giao vai trò")
        ROLE_REVOKE = "role_revoke", _("Thu hồi vai trò")
        DEPUTY_NAME = "deputy_name", _("Giao người thay lãnh đạo")
        DEPUTY_REVOKE = "deputy_revoke", _("Thu hồi việc giao thay")

    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client_address = models.GenericIPAddressField(_("địa chỉ máy"), null=True, blank=True)
    sequence = models.PositiveBigIntegerField(_("số thứ tự"), unique=True, null=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=24, choices=Action.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("nhật ký")
        verbose_name_plural = _("nhật ký")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["plan", "created_at"], name="event_plan_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.get_action_display()}"

    def _state_label(self, state: str) -> str:
        labels = dict(Delivery.State.choices) if self.delivery_id else dict(Plan.State.choices)
        return str(labels.get(state, state))

    @property
    def from_label(self) -> str:
        """The state before, in words (a delivery's state for per-unit events, else the plan's)."""
        return self._state_label(self.from_state)

    @property
    def to_label(self) -> str:
        """The state after, in words."""
        return self._state_label(self.to_state)
