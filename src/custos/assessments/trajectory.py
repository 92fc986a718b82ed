"""The change of a prisoner's risk over time, drawn as a small SVG on the server.

No charting script: the picture is built here from the locked judgements (superseded ones
are replaced by their corrections), so it works on closed networks, under a strict CSP and
in print. Each point carries its date, judgement and assessor as a tooltip (SVG <title>).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .instruments import translated
from .models import Assessment, AssessmentStatus, InstrumentKind

WIDTH, HEIGHT, PAD = 560, 160, 36


@dataclass(frozen=True)
class Point:
    day: date
    value: int
    label: str
    assessor: str
    assessment_id: int


@dataclass(frozen=True)
class Trajectory:
    points: tuple[Point, ...]
    levels: tuple[tuple[int, str], ...]  # (value, label), lowest first

    def svg_points(self) -> list[tuple[float, float, Point]]:
        if not self.points:
            return []
        first, last = self.points[0].day, self.points[-1].day
        span = max((last - first).days, 1)
        low, high = self.levels[0][0], self.levels[-1][0]
        rise = max(high - low, 1)
        inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
        placed = []
        for point in self.points:
            x = PAD + (inner_w * (point.day - first).days / span if len(self.points) > 1
                       else inner_w / 2)
            y = PAD + inner_h * (1 - (point.value - low) / rise)
            placed.append((round(x, 1), round(y, 1), point))
        return placed

    def level_lines(self) -> list[tuple[float, str]]:
        low, high = self.levels[0][0], self.levels[-1][0]
        rise = max(high - low, 1)
        inner_h = HEIGHT - 2 * PAD
        return [(round(PAD + inner_h * (1 - (value - low) / rise), 1), label)
                for value, label in self.levels]

    def polyline(self) -> str:
        return " ".join(f"{x},{y}" for x, y, _point in self.svg_points())


def risk_trajectory(*, prisoner, assessments: list[Assessment] | None = None) -> Trajectory:
    """Locked risk-and-needs judgements of one prisoner, oldest first."""
    if assessments is None:
        assessments = list(prisoner.assessments.select_related("instrument", "assessor"))
    locked = sorted((a for a in assessments if a.status == AssessmentStatus.LOCKED
                     and a.instrument.kind == InstrumentKind.RISK_NEEDS
                     and a.judgement is not None and a.locked_at),
                    key=lambda a: a.locked_at)
    if not locked:
        return Trajectory((), ())
    definition = locked[-1].instrument.definition
    scale = definition["scales"][definition["summary"]["judgement"]["scale"]]
    names = {level["value"]: translated(level["label"]) for level in scale["levels"]}
    points = tuple(Point(a.locked_at.date(), a.judgement, names.get(a.judgement, ""),
                         str(a.assessor), a.pk) for a in locked)
    return Trajectory(points, tuple(sorted(names.items())))
