"""The bulletin as one self-contained HTML page (Jinja2, charts inline)."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from services.bulletin import charts, labels, model, numbers


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("services.bulletin", "templates"), autoescape=select_autoescape(),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(percent=numbers.percent, rate=numbers.rate, score=numbers.score, change=numbers.change,
                       money=numbers.money, when=numbers.when)
    env.globals.update(labels=labels, name_of=labels.name_of, period_zh=numbers.period_zh,
                       incomplete_note=labels.incomplete_note, light_keys=model.LIGHT_KEYS)
    return env


def render_html(bulletin: model.Bulletin) -> str:
    figures = {
        "counties": charts.scores("县区局得分", bulletin.counties),
        "stations": charts.scores("供电所得分" + ("（前 30 名）" if len(bulletin.stations) > charts.MAX_BARS else ""),
                                  bulletin.stations),
        "lights": [c for c in (charts.lights(level) for level in bulletin.headline.lights) if c is not None],
        "errors": charts.errors(bulletin.errors_by_category),
    }
    return _environment().get_template("bulletin.html.j2").render(b=bulletin, h=bulletin.headline, charts=figures)
