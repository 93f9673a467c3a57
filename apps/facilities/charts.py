"""A horizontal bar chart of coverage shares as plain SVG geometry, rendered by the template (no JS, no CDN)."""
from .selectors import COVERAGE_TARGETS

ROW_HEIGHT = 26
LABEL_WIDTH = 190
BAR_WIDTH = 420
VALUE_WIDTH = 150
TOP = 28


def colour(share: float) -> str:
    """Red below the first target, amber between targets, green at 100%."""
    if share >= COVERAGE_TARGETS[1]:
        return "#2e7d32"
    if share >= COVERAGE_TARGETS[0]:
        return "#e0a100"
    return "#c62828"


def bar_chart(rows) -> dict:
    """Geometry for one bar per row (``name``, ``counties``, ``covered``, ``share``) and the target lines."""
    bars = []
    for i, row in enumerate(rows):
        y = TOP + i * ROW_HEIGHT
        bars.append({
            "name": row.name, "code": row.code, "y": y, "text_y": y + ROW_HEIGHT * 0.62,
            "width": round(BAR_WIDTH * row.share / 100, 1), "colour": colour(row.share),
            "label": f"{row.covered}/{row.counties}（{row.share:g}%）",
        })
    height = TOP + len(rows) * ROW_HEIGHT + 10
    targets = [{"share": t, "x": LABEL_WIDTH + BAR_WIDTH * t / 100} for t in COVERAGE_TARGETS]
    return {
        "bars": bars, "targets": targets, "height": height, "bar_x": LABEL_WIDTH,
        "value_x": LABEL_WIDTH + BAR_WIDTH + 8, "width": LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH,
        "bar_height": ROW_HEIGHT - 8, "label_x": LABEL_WIDTH - 8, "axis_bottom": height - 6,
    }
