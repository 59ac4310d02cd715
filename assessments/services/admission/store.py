"""A computed run written: its evidence rows and its decisions (one COPY on PostgreSQL), hashed as
they go in."""

from __future__ import annotations

import json

from django.db import connection

from assessments.models import AdmissionDecision, AdmissionEvidence
from assessments.services.admission.compute import ComputedRun
from assessments.snapshot import STORED_COLUMNS, SnapshotHash, canonical, copy_text, snapshot_hash


def admission_snapshot_write(*, run_id: int, computed: ComputedRun, policy_content: dict) -> str:
    """Write the run's evidence rows (a few hundred, one INSERT), then its decisions, and return
    the run's hash. The decisions go in with one COPY of text written here, in batches, each
    hashed while the database takes it in: at 100,000 lines an INSERT spends most of its time
    quoting parameters on the client, and the driver's row-by-row COPY formatting most of the
    rest. (Django's query counter does not see COPY: it is one statement.)"""
    stored = AdmissionEvidence.objects.bulk_create(
        AdmissionEvidence(
            run_id=run_id, module=row.module, evidence=json.loads(row.evidence), reasons=json.loads(row.reasons)
        )
        for row in computed.evidence
    )
    keys = [canonical(row.module) + ": " + str(row.pk) for row in stored]
    # The same tuple of positions is shared by every line with the same figures.
    ids_json: dict[tuple[int, ...], str] = {}
    for positions in computed.line_evidence:
        if positions not in ids_json:
            ids_json[positions] = "{" + ", ".join(keys[at] for at in positions) + "}"
    lines = list(zip(computed.lines, computed.line_evidence, computed.rank_reasons))
    if connection.vendor != "postgresql":  # the embedded SQLite demo
        AdmissionDecision.objects.bulk_create(
            AdmissionDecision(
                run_id=run_id,
                participant_id=line.participant_id,
                user_id=line.user_id,
                federal_district=line.federal_district,
                level=line.level,
                figures=json.loads(line.figures),
                evidence_ids=json.loads(ids_json[positions]),
                score=line.score,
                rank=line.rank,
                decision=line.decision,
                rank_reason=rank_reason,
            )
            for line, positions, rank_reason in lines
        )
        return snapshot_hash(policy_content=policy_content, lines=computed.lines)
    hashed = SnapshotHash()
    null = "\\N"  # COPY's null
    table = AdmissionDecision._meta.db_table
    statement = f"COPY {table} (run_id, {', '.join(STORED_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for start in range(0, len(lines), 5000):
            batch = lines[start : start + 5000]
            # Only the ranking reason is free text: the district, level and decision are choices'
            # codes, the figures and evidence ids JSON of module names and numbers.
            copy.write(
                "".join(
                    [
                        f"{run_id}\t{line.participant_id}\t{line.user_id}\t{line.federal_district}\t{line.level}\t"
                        f"{line.figures}\t{ids_json[positions]}\t{line.score!r}\t"
                        f"{null if line.rank is None else line.rank}\t{line.decision}\t"
                        f"{copy_text(rank_reason) if rank_reason else ''}\n"
                        for line, positions, rank_reason in batch
                    ]
                )
            )
            hashed.feed(line for line, _positions, _reason in batch)
    return hashed.hexdigest(policy_content=policy_content)
