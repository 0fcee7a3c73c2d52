"""The table's key layout: every PK/SK/GSI key format lives here and nowhere else.

Items (PK | SK | GSI1 | GSI2):
- user account        USER#<sub>        | PROFILE
- teacher record      TEACHER#<tid>     | PROFILE
- teacher term load   TEACHER#<tid>     | TERM#<term>          held count, occupied days, r1 flag
- withdrawal right    TEACHER#<tid>     | RIGHT#<term>#<pid>   CH-3, written by change approval
- selection           TEACHER#<tid>     | SEL#<term>#<cid>     | CLASS#<cid> / SEL#<tid>
                                                               | SCHOOL#<sid>#<term> / SEL#<cid>#<tid>
- institution         INST#<iid>        | PROFILE              | (local: see projects) | INSTITUTIONS / <iid>
- school              SCHOOL#<sid>      | PROFILE
- project             PROJECT#<pid>     | META                 | TERM#<term>#PROJECTS / <status>#<pid>
                                                               | INST#<iid> / PROJECT#<term>#<pid>
- catalog document    PROJECT#<pid>     | CATALOG              | CATALOG#<term> / <updated_ms>#<pid>
  (functions/common/catalog.py)                                | INST#<iid> / PROJECT#<term>#<pid>
- class (descriptive) CLASS#<cid>       | META
- class seat counter  CLASS#<cid>       | SEATS                capacity, held, wl_tail, wl_len
- waitlist entry      CLASS#<cid>       | WAIT#<seq:09d>       teacher_id, term (FIFO by seq)
- expansion           CLASS#<cid>       | EXPANSION#<term>     | EXPANSION#<term> / <state>#<cid>
- term phases         TERM#<term>       | PHASES               active, as_of, as_of_ms, updated_at, published
- window closing job  TERM#<term>       | CLOSE#<phase>        cursor, counts, done (SE-1 closing)
- site publication    TERM#<term>       | SITE                 requests and runs (functions/common/site.py)
- idempotency record  IDEM#<sub>#<key>  | REQUEST              what was asked, the first result (TTL)
- health probe        HEALTH            | PROBE                never written: /api/health reads it
Records context (TD-1…TD-3; index attributes added to teacher, school and user items):
- teacher (indexed)   TEACHER#<tid>     | PROFILE              | SCHOOL#<sid>#TEACHERS / TEACHER#<tid>
                                                               | REGION#<county>#TEACHERS / TEACHER#<tid>
- school (indexed)    SCHOOL#<sid>      | PROFILE              | REGION#<county>#SCHOOLS / SCHOOL#<sid>
- staff account       USER#<sub>        | PROFILE              | (none) | REGION#<region>#ACCOUNTS / <role>#<sub>
- teacher identity    IDNO#<id number>  | IDENTITY             teacher_id, hash, source
- import job          IMPORT#<job>      | JOB                  progress, counts
- import report part  IMPORT#<job>      | REPORT#<part:05d>    compressed row results
- import upload part  IMPORT#<job>      | UPLOAD#<part:05d>    bytes of the file (deleted when done)
- anomaly             ANOMALIES#<region>| <region>-<kind>-<hash>
- records migration   MIGRATION#records | INDEX                next segment of the index backfill
Personal information (functions/common/pi_audit.py):
- ID-number read      IDREAD#<day>#<shard> | <utc>#<request> | IDREAD#BY#<sub> / <utc>
                      who, whose (masked), when, which page; TTL-expired after its retention
"""

from __future__ import annotations

PROFILE = "PROFILE"
META = "META"
SEATS = "SEATS"
CATALOG = "CATALOG"


Key = dict[str, str]  # {"PK": ..., "SK": ...}


def user(user_id: str) -> Key:
    return {"PK": f"USER#{user_id}", "SK": PROFILE}


def teacher(teacher_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": PROFILE}


def teacher_term(teacher_id: str, term: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"TERM#{term}"}


def selection(teacher_id: str, term: str, class_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"SEL#{term}#{class_id}"}


def selection_prefix(term: str) -> str:
    """SK prefix of one teacher's selections in a term."""
    return f"SEL#{term}#"


def selection_by_class(class_id: str, teacher_id: str) -> dict[str, str]:
    return {"GSI1PK": f"CLASS#{class_id}", "GSI1SK": f"SEL#{teacher_id}"}


def selection_by_school(
    school_id: str, term: str, class_id: str, teacher_id: str
) -> dict[str, str]:
    return {"GSI2PK": f"SCHOOL#{school_id}#{term}", "GSI2SK": f"SEL#{class_id}#{teacher_id}"}


def institution(institution_id: str) -> Key:
    return {"PK": f"INST#{institution_id}", "SK": PROFILE}


def institution_directory(institution_id: str) -> dict[str, str]:
    """Every institution, for the pickers that name one (orders, accounts)."""
    return {"GSI2PK": "INSTITUTIONS", "GSI2SK": institution_id}


def school(school_id: str) -> Key:
    return {"PK": f"SCHOOL#{school_id}", "SK": PROFILE}


def project(project_id: str) -> Key:
    return {"PK": f"PROJECT#{project_id}", "SK": META}


def project_by_term(term: str, status: str, project_id: str) -> dict[str, str]:
    return {"GSI1PK": f"TERM#{term}#PROJECTS", "GSI1SK": f"{status}#{project_id}"}


def project_by_institution(institution_id: str, term: str, project_id: str) -> dict[str, str]:
    return {"GSI2PK": f"INST#{institution_id}", "GSI2SK": f"PROJECT#{term}#{project_id}"}


def project_catalog(project_id: str) -> Key:
    """A published project's catalog document (the site is built from these alone)."""
    return {"PK": f"PROJECT#{project_id}", "SK": CATALOG}


def catalog_by_term(term: str, updated_ms: int, project_id: str) -> dict[str, str]:
    """The term's catalog documents in the order they last changed (zero-padded milliseconds):
    the site worker reads those changed since its last publication."""
    return {"GSI1PK": f"CATALOG#{term}", "GSI1SK": f"{updated_ms:013d}#{project_id}"}


def class_meta(class_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": META}


def class_seats(class_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": SEATS}


def term_phases(term: str) -> Key:
    """The phases active in `term`, as recorded by the scheduled phase toggles."""
    return {"PK": f"TERM#{term}", "SK": "PHASES"}


def closing_job(term: str, phase: str) -> Key:
    """The run of a review window's closing actions (unreviewed selections, waitlists)."""
    return {"PK": f"TERM#{term}", "SK": f"CLOSE#{phase}"}


def health_probe() -> Key:
    """The key `/api/health` reads to prove the table answers (nothing is ever stored there)."""
    return {"PK": "HEALTH", "SK": "PROBE"}


def site_publication(term: str) -> Key:
    """The requests to publish the static site of `term` and the site worker's runs."""
    return {"PK": f"TERM#{term}", "SK": "SITE"}


def waitlist_entry(class_id: str, seq: int) -> Key:
    """One waitlist (候补) entry; zero-padded so SK order is join order."""
    return {"PK": f"CLASS#{class_id}", "SK": f"{WAIT_PREFIX}{seq:09d}"}


WAIT_PREFIX = "WAIT#"


def expansion(class_id: str, term: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": f"EXPANSION#{term}"}


def expansion_by_term(term: str, state: str, class_id: str) -> dict[str, str]:
    return {"GSI1PK": f"EXPANSION#{term}", "GSI1SK": f"{state}#{class_id}"}


def idempotency(user_id: str, request_key: str) -> Key:
    """The first request a user made with an `Idempotency-Key`: replays answer from it."""
    return {"PK": f"IDEM#{user_id}#{request_key}", "SK": "REQUEST"}


def withdrawal_right(teacher_id: str, term: str, project_id: str) -> Key:
    """CH-3: a right to withdraw from `project_id` outside the selection windows."""
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"RIGHT#{term}#{project_id}"}


# --- records context (TD-1 … TD-3) ---------------------------------------------------------


def teacher_by_school(school_id: str, teacher_id: str) -> dict[str, str]:
    return {"GSI1PK": f"SCHOOL#{school_id}#TEACHERS", "GSI1SK": f"TEACHER#{teacher_id}"}


def teacher_by_region(county: str, teacher_id: str) -> dict[str, str]:
    """Teachers by the county recorded on them (finds those whose school is missing)."""
    return {"GSI2PK": f"REGION#{county}#TEACHERS", "GSI2SK": f"TEACHER#{teacher_id}"}


def records_migration() -> Key:
    """Progress of indexing records written before the records context existed."""
    return {"PK": "MIGRATION#records", "SK": "INDEX"}


def school_by_region(county: str, school_id: str) -> dict[str, str]:
    return {"GSI1PK": f"REGION#{county}#SCHOOLS", "GSI1SK": f"SCHOOL#{school_id}"}


def account_by_region(region: str, role: str, user_id: str) -> dict[str, str]:
    return {"GSI2PK": f"REGION#{region}#ACCOUNTS", "GSI2SK": f"{role}#{user_id}"}


def teacher_identity(id_number: str) -> Key:
    """The one teacher an ID number belongs to (identity is the ID number, TD-1)."""
    return {"PK": f"IDNO#{id_number}", "SK": "IDENTITY"}


def import_job(job_id: str) -> Key:
    return {"PK": f"IMPORT#{job_id}", "SK": "JOB"}


def import_report(job_id: str, part: int) -> Key:
    return {"PK": f"IMPORT#{job_id}", "SK": f"REPORT#{part:05d}"}


def import_upload(job_id: str, part: int) -> Key:
    return {"PK": f"IMPORT#{job_id}", "SK": f"UPLOAD#{part:05d}"}


def anomaly(region: str, anomaly_id: str) -> Key:
    return {"PK": f"ANOMALIES#{region}", "SK": anomaly_id}


# --- projects context (AP-*, Q-*, CH-*) ----------------------------------------------------
# - person (AP-7)       PERSON#<id number> | PROFILE            | PEOPLE / <name>#<id number>
# - leader registration LEADER#<id number> | REG                institution_id (AP-4)
# - leader term load    LEADER#<id number> | TERM#<term>        classes (AP-3)
# - institution quota   INST#<iid>         | QUOTA#<term>       used (Q-1 … Q-6)
# - change request      PROJECT#<pid>      | CHANGE#<change_id> | TERM#<term>#CHANGES / <status>#<id>
# - audit entry         PROJECT#<pid>      | AUDIT#<at>#<n>     | AUDIT#INST#<iid> / <at>#<pid>#<n>
# - local cap     QUOTA#<term>#LOCAL | REGION#<region>    cap, doc (who set it, when)
# - local cap audit     QUOTA#<term>#LOCAL | AUDIT#<region>#<at>#<n>
# - local institution   INST#<iid>         | PROFILE            | INSTITUTIONS#LOCAL / <region>#<iid>
#   (index attributes on the institution item of a local qualification)


def person(id_number: str) -> Key:
    return {"PK": f"PERSON#{id_number}", "SK": PROFILE}


def person_index(name: str, id_number: str) -> dict[str, str]:
    return {"GSI1PK": "PEOPLE", "GSI1SK": f"{name}#{id_number}"}


def leader_registration(id_number: str) -> Key:
    return {"PK": f"LEADER#{id_number}", "SK": "REG"}


def leader_load(id_number: str, term: str) -> Key:
    return {"PK": f"LEADER#{id_number}", "SK": f"TERM#{term}"}


def institution_quota(institution_id: str, term: str) -> Key:
    return {"PK": f"INST#{institution_id}", "SK": f"QUOTA#{term}"}


def change_request(project_id: str, change_id: str) -> Key:
    return {"PK": f"PROJECT#{project_id}", "SK": f"CHANGE#{change_id}"}


def change_by_term(term: str, status: str, change_id: str) -> dict[str, str]:
    return {"GSI1PK": f"TERM#{term}#CHANGES", "GSI1SK": f"{status}#{change_id}"}


def audit_entry(project_id: str, at: str, n: str) -> Key:
    return {"PK": f"PROJECT#{project_id}", "SK": f"AUDIT#{at}#{n}"}


def audit_by_institution(institution_id: str, at: str, project_id: str, n: str) -> dict[str, str]:
    return {"GSI2PK": f"AUDIT#INST#{institution_id}", "GSI2SK": f"{at}#{project_id}#{n}"}


LOCAL_CAP_PREFIX = "REGION#"


def local_cap(term: str, region: str) -> Key:
    """Q-6: a region's cap on local projects as its bureau set it (overrides the term file)."""
    return {"PK": f"QUOTA#{term}#LOCAL", "SK": f"{LOCAL_CAP_PREFIX}{region}"}


def local_cap_audit(term: str, region: str, at: str, n: str) -> Key:
    """CH-5 history of a region's local cap: one partition per term, in time order per region."""
    return {"PK": f"QUOTA#{term}#LOCAL", "SK": f"{local_cap_audit_prefix(region)}{at}#{n}"}


def local_cap_audit_prefix(region: str) -> str:
    """SK prefix of one region's local-cap history."""
    return f"AUDIT#{region}#"


def local_institution(region: str, institution_id: str) -> dict[str, str]:
    """Institutions of a local (Q-6) qualification by region (whose cap applies to them)."""
    return {"GSI1PK": "INSTITUTIONS#LOCAL", "GSI1SK": f"{region}#{institution_id}"}


# --- orders context (OD-*, Q-7) ------------------------------------------------------------
# - order               ORDER#<oid>        | META               | TERM#<term>#ORDERS / <county>#<oid>
# - order response      ORDER#<oid>        | RESP#<iid>         | (none) | INST#<iid>#ORDERS / <term>#<oid>

RESPONSE_PREFIX = "RESP#"


def order(order_id: str) -> Key:
    return {"PK": f"ORDER#{order_id}", "SK": META}


def order_by_term(term: str, county: str, order_id: str) -> dict[str, str]:
    """Every order of a term; a county's orders share the sort-key prefix `<county>#`."""
    return {"GSI1PK": f"TERM#{term}#ORDERS", "GSI1SK": f"{county}#{order_id}"}


def order_response(order_id: str, institution_id: str) -> Key:
    return {"PK": f"ORDER#{order_id}", "SK": f"{RESPONSE_PREFIX}{institution_id}"}


def response_by_institution(institution_id: str, term: str, order_id: str) -> dict[str, str]:
    return {"GSI2PK": f"INST#{institution_id}#ORDERS", "GSI2SK": f"{term}#{order_id}"}


# --- notifications (issue 15) --------------------------------------------------------------
# - message             INBOX#<party>      | MSG#<msg_id>       | OUTBOX#<shard> / <due>#<party>#<msg_id>
#   (the GSI1 attributes exist only while an email is due: the email outbox, a sparse index)
# - email choice        INBOX#<party>      | SUB#<user_id>      email, email_all (one per inbox read)
# - email choice        USER#<user_id>     | NOTIFY             the same, as the user set it
# - fan-out             FANOUT#<shard>     | <at>#<fanout_id>   messages to many parties, pending
# - dead letter         DEADLETTER#email   | <at>#<party>#<msg_id>
# - reminder progress   REMIND#<term>#<reminder_id> | PART#<part>   done marker of one batch
# - calendar feed       CALFEED#<token>    | FEED               teacher_id (the feed URL's secret)
# - calendar feed       TEACHER#<tid>      | CALFEED            token (the teacher's current feed)

MSG_PREFIX = "MSG#"
SUB_PREFIX = "SUB#"
OUTBOX_SHARDS = 8  # spreads a burst of reminders over 8 index partitions


def inbox_message(party: str, msg_id: str) -> Key:
    return {"PK": f"INBOX#{party}", "SK": f"{MSG_PREFIX}{msg_id}"}


def inbox_pk(party: str) -> str:
    return f"INBOX#{party}"


def email_outbox(shard: int, due: str, party: str, msg_id: str) -> dict[str, str]:
    """A message with an email still to send, by when it is due (ISO UTC)."""
    return {"GSI1PK": f"OUTBOX#{shard}", "GSI1SK": f"{due}#{party}#{msg_id}"}


def email_outbox_pk(shard: int) -> str:
    return f"OUTBOX#{shard}"


def inbox_subscriber(party: str, user_id: str) -> Key:
    return {"PK": f"INBOX#{party}", "SK": f"{SUB_PREFIX}{user_id}"}


def notify_settings(user_id: str) -> Key:
    return {"PK": f"USER#{user_id}", "SK": "NOTIFY"}


def fanout(shard: int, at: str, fanout_id: str) -> Key:
    return {"PK": f"FANOUT#{shard}", "SK": f"{at}#{fanout_id}"}


def fanout_pk(shard: int) -> str:
    return f"FANOUT#{shard}"


def dead_letter(at: str, party: str, msg_id: str) -> Key:
    return {"PK": "DEADLETTER#email", "SK": f"{at}#{party}#{msg_id}"}


DEAD_LETTER_PK = "DEADLETTER#email"


def reminder_part(term: str, reminder_id: str, part: str) -> Key:
    return {"PK": f"REMIND#{term}#{reminder_id}", "SK": f"PART#{part}"}


def calendar_feed(token: str) -> Key:
    return {"PK": f"CALFEED#{token}", "SK": "FEED"}


def teacher_calendar(teacher_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": "CALFEED"}


# --- PH-1 correction requests (records context) ---------------------------------------------
# - correction request  TEACHER#<tid>      | CORRECTION#<term>#<rid> | SCHOOL#<sid>#CORRECTIONS / <status>#<rid>#<tid>
# - open-request guard  TEACHER#<tid>      | CORRECTION#OPEN     request_id (one pending per teacher)


def correction(teacher_id: str, term: str, request_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"{correction_prefix(term)}{request_id}"}


def correction_prefix(term: str) -> str:
    """SK prefix of one teacher's correction requests in a term."""
    return f"CORRECTION#{term}#"


def correction_by_school(
    school_id: str, status: str, request_id: str, teacher_id: str
) -> dict[str, str]:
    return {
        "GSI1PK": f"SCHOOL#{school_id}#CORRECTIONS",
        "GSI1SK": f"{status}#{request_id}#{teacher_id}",
    }


def correction_guard(teacher_id: str) -> Key:
    """Present while the teacher has a pending correction request (PH-1: one at a time)."""
    return {"PK": f"TEACHER#{teacher_id}", "SK": "CORRECTION#OPEN"}


# --- dashboard statistics (stats context), kept by the scheduled aggregation -----------------
# - region or school row STATS#<term>#<parent region> | REGION#<code>   counters, as_of
#                        STATS#<term>#<county>        | SCHOOL#<sid>
# - term-wide counts     STATS#<term>#TERM            | SUMMARY         classes, projects, …
# A dashboard view is one Query of the caller's region partition plus two GetItems.


def stats_partition(term: str, region: str) -> str:
    return f"STATS#{term}#{region}"


def stats_region(term: str, parent: str, code: str) -> Key:
    return {"PK": stats_partition(term, parent), "SK": f"REGION#{code}"}


def stats_school(term: str, county: str, school_id: str) -> Key:
    return {"PK": stats_partition(term, county), "SK": f"SCHOOL#{school_id}"}


def stats_term(term: str) -> Key:
    return {"PK": stats_partition(term, "TERM"), "SK": "SUMMARY"}


STATS_ROOT = "ROOT"  # the parent partition of the province's own row
# --- training context (PH-TRAIN, QA-2) -------------------------------------------------------
# - check-in state      CLASS#<cid>        | CHECKIN            open, secret (rotating QR codes)
# - attendance          CLASS#<cid>        | ATT#<tid>          check-in, marks per session, online
# - completion          CLASS#<cid>        | DONE#<tid>         | TEACHER#<tid>#DONE / <term>#<cid>
#                                                               | NONDONE#<county>#<term> /
#                                                                 <school>#<cid>#<tid> (only 不合格)
# - import job          TRAINIMPORT#<job>  | JOB                progress, counts
# - import file part    TRAINIMPORT#<job>  | PART#<n:05d>       bytes of the uploaded file
# - import report part  TRAINIMPORT#<job>  | REPORT#<n:05d>     row results
ATT_PREFIX = "ATT#"
DONE_PREFIX = "DONE#"


def checkin_state(class_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": "CHECKIN"}


def attendance(class_id: str, teacher_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": f"{ATT_PREFIX}{teacher_id}"}


def completion(class_id: str, teacher_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": f"{DONE_PREFIX}{teacher_id}"}


def completion_settled(class_id: str) -> Key:
    """QA-2: the class's completions left undecided at its deadline were settled (the sweep)."""
    return {"PK": f"CLASS#{class_id}", "SK": "DEADLINE"}


def completion_by_teacher(teacher_id: str, term: str, class_id: str) -> dict[str, str]:
    return {"GSI1PK": f"TEACHER#{teacher_id}#DONE", "GSI1SK": f"{term}#{class_id}"}


def noncompletion_by_region(
    county: str, term: str, school_id: str, class_id: str, teacher_id: str
) -> dict[str, str]:
    """QA-2: a teacher reported as not completing, listed for the county bureau (and, by the
    sort-key prefix, for the school)."""
    return {
        "GSI2PK": f"NONDONE#{county}#{term}",
        "GSI2SK": f"{school_id}#{class_id}#{teacher_id}",
    }


def training_import(job_id: str) -> Key:
    return {"PK": f"TRAINIMPORT#{job_id}", "SK": "JOB"}


def training_import_part(job_id: str, kind: str, n: int) -> Key:
    return {"PK": f"TRAINIMPORT#{job_id}", "SK": f"{kind}#{n:05d}"}


# --- personal information (functions/common/pi_audit.py) -----------------------------------

ID_READ_SHARDS = 16  # a day's reads spread over 16 partitions (shard = hash of the reader)


def id_read(day: str, shard: int, at: str, request: str) -> Key:
    return {"PK": f"IDREAD#{day}#{shard:02d}", "SK": f"{at}#{request}"}


def id_read_pk(day: str, shard: int) -> str:
    return f"IDREAD#{day}#{shard:02d}"


def id_read_by_reader(user_id: str, at: str) -> dict[str, str]:
    return {"GSI1PK": f"IDREAD#BY#{user_id}", "GSI1SK": at}


# --- credits (issue 14: CR-1, CR-2) ---------------------------------------------------------
# - ledger entry        TEACHER#<tid>      | LEDGER#<cycle>#<entry_id>   written once, never changed
# - cycle totals        TEACHER#<tid>      | CREDITS#<cycle>    total, online, offline,
#                                                               school_based, sb_held (CR-1), entries
# - project enrolment   TEACHER#<tid>      | ENROL#<pid>        | ENROL#<pid> / <tid>
#                       CR-2: S<n> = version of the 合格 decision of segment n
# - later segment done  PROJECT#<pid>      | SEGDONE#<n>#<tid>  the completion of segment n ≥ 2
# - school-based reg    TEACHER#<tid>      | SBREG#<reg_id>     | SCHOOL#<sid>#SBREG / <at>#<reg_id>
#                                                       | REGION#<county>#SBREG / <status>#<at>#<reg_id>
# - certificate code    CERT#<code>        | CERT               the completion it certifies (and
#                                                               its version): public verification
LEDGER_PREFIX = "LEDGER#"
SBREG_PREFIX = "SBREG#"


def ledger_entry(teacher_id: str, cycle_id: str, entry_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"{LEDGER_PREFIX}{cycle_id}#{entry_id}"}


def ledger_prefix(cycle_id: str | None = None) -> str:
    """SK prefix of a teacher's entries (of one cycle, or of all)."""
    return f"{LEDGER_PREFIX}{cycle_id}#" if cycle_id else LEDGER_PREFIX


def credit_totals(teacher_id: str, cycle_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"CREDITS#{cycle_id}"}


def project_enrolment(teacher_id: str, project_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"ENROL#{project_id}"}


def enrolment_by_project(project_id: str, teacher_id: str) -> dict[str, str]:
    return {"GSI1PK": f"ENROL#{project_id}", "GSI1SK": teacher_id}


def segment_completion(project_id: str, segment: int, teacher_id: str) -> Key:
    return {
        "PK": f"PROJECT#{project_id}",
        "SK": f"{segment_completion_prefix(segment)}{teacher_id}",
    }


def segment_completion_prefix(segment: int) -> str:
    return f"SEGDONE#{segment}#"


def registration(teacher_id: str, registration_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"{SBREG_PREFIX}{registration_id}"}


def registration_by_school(school_id: str, at: str, registration_id: str) -> dict[str, str]:
    """A school's registrations in the order they were made (`at`: ISO UTC)."""
    return {"GSI1PK": f"SCHOOL#{school_id}#SBREG", "GSI1SK": f"{at}#{registration_id}"}


def registration_by_region(
    county: str, status: str, at: str, registration_id: str
) -> dict[str, str]:
    """A county's registrations by status (those awaiting approval: prefix `pending#`)."""
    return {"GSI2PK": f"REGION#{county}#SBREG", "GSI2SK": f"{status}#{at}#{registration_id}"}


def certificate(code: str) -> Key:
    return {"PK": f"CERT#{code}", "SK": "CERT"}


# - progress row        CREDITSTAT#<cycle>#<parent region> | <code>   a school (in its county's
#                       partition), a county (its city's), a city (the province's), the province
#                       (ROOT): teachers, behind, met, credits; kept by the credits aggregation


def credit_stats_partition(cycle_id: str, parent: str) -> str:
    return f"CREDITSTAT#{cycle_id}#{parent}"


def credit_stats(cycle_id: str, parent: str, code: str) -> Key:
    return {"PK": credit_stats_partition(cycle_id, parent), "SK": code}


# --- quality (issue 14: 满意度测评, QA-1, reports) -------------------------------------------
# - evaluation marker   CLASS#<cid>        | EVALBY#<tid>       who answered, never what
# - evaluation answer   CLASS#<cid>        | EVAL#<random>      what was answered, never who
# - evaluation summary  CLASS#<cid>        | EVALSUM            | EVALINST#<iid> / <term>#<cid>
#                       n, sums and counts per question, added to with each answer
# - QA-1 record         INST#<iid>         | QA#<check_id>      | QA#<term> / <checked_on>#<check_id>
# - report row          QREPORT#<term>#<region> | R#<code> (a county or city), I#<iid>, SUMMARY
EVAL_PREFIX = "EVAL#"
QA_PREFIX = "QA#"


def evaluation_marker(class_id: str, teacher_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": f"EVALBY#{teacher_id}"}


def evaluation_answer(class_id: str, answer_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": f"{EVAL_PREFIX}{answer_id}"}


def evaluation_summary(class_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": "EVALSUM"}


def evaluation_by_institution(institution_id: str, term: str, class_id: str) -> dict[str, str]:
    return {"GSI1PK": f"EVALINST#{institution_id}", "GSI1SK": f"{term}#{class_id}"}


def quality_check(institution_id: str, check_id: str) -> Key:
    return {"PK": f"INST#{institution_id}", "SK": f"{QA_PREFIX}{check_id}"}


def quality_check_by_term(term: str, checked_on: str, check_id: str) -> dict[str, str]:
    return {"GSI1PK": f"QA#{term}", "GSI1SK": f"{checked_on}#{check_id}"}


def report_partition(term: str, region: str) -> str:
    return f"QREPORT#{term}#{region}"


def report_row(term: str, region: str, kind: str, code: str) -> Key:
    """`kind`: R (a child region), I (an institution) or SUMMARY (the region itself)."""
    return {"PK": report_partition(term, region), "SK": f"{kind}#{code}" if code else kind}
