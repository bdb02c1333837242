"""A very small SVG chart writer for the app: axes with nice ticks, lines, bars, points, legend.

The browser app redraws its charts after every quarter; building matplotlib PNGs took 60-80 ms per chart,
these strings take well under a millisecond, scale to any panel width and carry tooltips (``<title>``).
The legend always sits below the chart, outside the plotting area (marked ``data-role="plot-area"``), so
curves that arrive later are never hidden under it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] with about ``n`` intervals."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw - 1e-12)
    first = math.ceil(lo / step - 1e-9) * step
    out = []
    v = first
    while v <= hi + step * 1e-6:
        out.append(round(v, 10))
        v += step
    return out


def fmt_tick(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:g}"



def tooltip(tip: str) -> str:
    """An SVG <title> (the browser's hover text), or nothing."""
    return f"<title>{esc(tip)}</title>" if tip else ""

class Chart:
    """One chart: a plotting area with linear x and y scales inside a fixed SVG view box."""

    def __init__(self, xlim: tuple[float, float], ylim: tuple[float, float], *, title: str = "",
                 xlabel: str = "", ylabel: str = "", width: int = 480, height: int = 290,
                 margin: tuple[int, int, int, int] = (52, 14, 28, 38)):
        self.x0, self.x1 = xlim
        self.y0, self.y1 = ylim
        self.w, self.h = width, height
        self.ml, self.mr, self.mt, self.mb = margin
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.parts: list[str] = []
        self.legend_parts: list[str] = []
        self.legend_h = 0

    # scales
    def x(self, v: float) -> float:
        span = (self.x1 - self.x0) or 1.0
        return self.ml + (v - self.x0) / span * (self.w - self.ml - self.mr)

    def y(self, v: float) -> float:
        span = (self.y1 - self.y0) or 1.0
        return self.h - self.mb - (v - self.y0) / span * (self.h - self.mt - self.mb)

    # decorations
    def axes(self, xticks: Iterable[float] | None = None, yticks: Iterable[float] | None = None,
             xfmt: Callable[[float], str] = fmt_tick, yfmt: Callable[[float], str] = fmt_tick,
             grid: bool = True) -> Chart:
        p = self.parts
        left, right, top, bottom = self.ml, self.w - self.mr, self.mt, self.h - self.mb
        xticks = nice_ticks(self.x0, self.x1) if xticks is None else list(xticks)
        yticks = nice_ticks(self.y0, self.y1) if yticks is None else list(yticks)
        for t in xticks:
            x = self.x(t)
            if grid:
                p.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#eee"/>')
            p.append(f'<text x="{x:.1f}" y="{bottom + 13}" font-size="10" text-anchor="middle">{esc(xfmt(t))}</text>')
        for t in yticks:
            y = self.y(t)
            if grid:
                p.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#eee"/>')
            p.append(f'<text x="{left - 4}" y="{y + 3.5:.1f}" font-size="10" text-anchor="end">{esc(yfmt(t))}</text>')
        p.append(f'<rect data-role="plot-area" x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" '
                 'fill="none"/>')
        p.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#444"/>')
        p.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#444"/>')
        if self.xlabel:
            p.append(f'<text x="{(left + right) / 2:.1f}" y="{self.h - 6}" font-size="11" text-anchor="middle">'
                     f"{esc(self.xlabel)}</text>")
        if self.ylabel:
            p.append(f'<text transform="translate(12,{(top + bottom) / 2:.1f}) rotate(-90)" font-size="11" '
                     f'text-anchor="middle">{esc(self.ylabel)}</text>')
        return self

    # marks
    def line(self, xs: Sequence[float], ys: Sequence[float], colour: str, width: float = 2, dash: str = "",
             tip: str = "") -> Chart:
        pts = " ".join(f"{self.x(a):.1f},{self.y(b):.1f}" for a, b in zip(xs, ys) if b is not None and math.isfinite(b))
        if not pts:
            return self
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        title = tooltip(tip)
        self.parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{width}"'
                          f'{dash_attr} stroke-linejoin="round">{title}</polyline>')
        return self

    def hline(self, v: float, colour: str = "#000", dash: str = "6 3", label: str = "") -> Chart:
        y = self.y(v)
        self.parts.append(f'<line x1="{self.ml}" y1="{y:.1f}" x2="{self.w - self.mr}" y2="{y:.1f}" stroke="{colour}" '
                          f'stroke-dasharray="{dash}"/>')
        if label:
            self.parts.append(f'<text x="{self.ml + 4}" y="{y - 4:.1f}" font-size="10">{esc(label)}</text>')
        return self

    def vline(self, v: float, colour: str = "#888", dash: str = "", tip: str = "") -> Chart:
        x = self.x(v)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        title = tooltip(tip)
        self.parts.append(f'<line x1="{x:.1f}" y1="{self.mt}" x2="{x:.1f}" y2="{self.h - self.mb}" stroke="{colour}"'
                          f'{dash_attr} stroke-width="1.2">{title}</line>')
        return self

    def point(self, xv: float, yv: float, colour: str, r: float = 4, tip: str = "", stroke: str = "none",
              opacity: float = 1.0) -> Chart:
        title = tooltip(tip)
        self.parts.append(f'<circle cx="{self.x(xv):.1f}" cy="{self.y(yv):.1f}" r="{r}" fill="{colour}" '
                          f'stroke="{stroke}" fill-opacity="{opacity}">{title}</circle>')
        return self

    def rect(self, xa: float, ya: float, xb: float, yb: float, colour: str, opacity: float = 1.0,
             tip: str = "") -> Chart:
        x, y = min(self.x(xa), self.x(xb)), min(self.y(ya), self.y(yb))
        w, h = abs(self.x(xb) - self.x(xa)), abs(self.y(yb) - self.y(ya))
        title = tooltip(tip)
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}" '
                          f'fill-opacity="{opacity}">{title}</rect>')
        return self

    def text(self, xv: float, yv: float, text: str, size: int = 10, colour: str = "#000", anchor: str = "start",
             dy: float = 0) -> Chart:
        self.parts.append(f'<text x="{self.x(xv):.1f}" y="{self.y(yv) + dy:.1f}" font-size="{size}" fill="{colour}" '
                          f'text-anchor="{anchor}">{esc(text)}</text>')
        return self

    def raw(self, svg: str) -> Chart:
        self.parts.append(svg)
        return self

    def legend(self, items: Sequence[tuple[str, str, str]], columns: int = 1, width: float | None = None) -> Chart:
        """Items (label, colour, kind) with kind "line", "dash", "dot" or "none" (text only), in ``columns`` columns that share
        ``width`` pixels (default: the chart's width), below the chart: the view box grows by the rows."""
        x0 = 8
        col_w = (width or (self.w - 16)) / columns
        top = self.h + 2
        for i, (label, colour, kind) in enumerate(items):
            cx = x0 + (i % columns) * col_w
            cy = top + (i // columns) * 14
            if kind == "none":  # a note in the legend, no symbol
                pass
            elif kind == "dot":
                self.legend_parts.append(f'<circle cx="{cx + 8}" cy="{cy + 4}" r="4" fill="{colour}"/>')
            else:
                dash = ' stroke-dasharray="4 3"' if kind == "dash" else ""
                self.legend_parts.append(f'<line x1="{cx}" y1="{cy + 4}" x2="{cx + 16}" y2="{cy + 4}" '
                                         f'stroke="{colour}" stroke-width="2"{dash}/>')
            self.legend_parts.append(f'<text x="{cx + 21}" y="{cy + 8}" font-size="10">{esc(label)}</text>')
        self.legend_h = (math.ceil(len(items) / columns) * 14 + 6) if items else 0
        return self

    def body(self) -> str:
        """The chart's title and marks without the surrounding <svg> (see :func:`small_multiples`)."""
        title = (f'<text x="{self.w / 2:.1f}" y="13" font-size="11" font-weight="600" text-anchor="middle">'
                 f"{esc(self.title)}</text>") if self.title else ""
        return title + "".join(self.parts)

    def svg(self, test_id: str = "", step: int | None = None, alt: str = "") -> str:
        attrs = f' data-testid="{esc(test_id)}"' if test_id else ""
        if step is not None:
            attrs += f' data-step="{step}"'
        title = (f'<text x="{self.w / 2:.1f}" y="16" font-size="12" font-weight="600" text-anchor="middle">'
                 f"{esc(self.title)}</text>") if self.title else ""
        height = self.h + self.legend_h
        legend = f'<g data-role="legend">{"".join(self.legend_parts)}</g>' if self.legend_parts else ""
        return (f'<svg{attrs} role="img" aria-label="{esc(alt or self.title)}" viewBox="0 0 {self.w} {height}" '
                f'width="100%" style="max-width: 640px; font-family: sans-serif" xmlns="http://www.w3.org/2000/svg">'
                f'<rect width="{self.w}" height="{height}" fill="white"/>{title}{"".join(self.parts)}{legend}</svg>')


def small_multiples(charts: Sequence[Chart], columns: int, title: str, legend: Sequence[tuple[str, str, str]],
                    test_id: str = "", step: int | None = None, alt: str = "", width: int = 480) -> str:
    """Several small charts of one size in a grid of ``columns`` under one title, with one legend below, so
    that groups that would hide each other in one chart stand apart."""
    cw, ch = charts[0].w, charts[0].h
    rows = math.ceil(len(charts) / columns)
    frame = Chart((0, 1), (0, 1), title=title, width=width, height=24 + rows * ch + 6)
    frame.parts = [f'<g transform="translate({8 + (i % columns) * cw},{24 + (i // columns) * ch})">{c.body()}</g>'
                   for i, c in enumerate(charts)]
    frame.legend(legend, columns=2)
    return frame.svg(test_id, step, alt)
