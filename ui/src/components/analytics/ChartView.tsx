import type { ChartData } from "../../analytics/chart";
import { ticks } from "../../analytics/chart";
import { formatCount } from "../../format";
import { useI18n } from "../../i18n";

const COLOURS = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#5d4037", "#ad1457", "#558b2f", "#283593", "#f9a825", "#455a64"];
const W = 760;
const H = 340;
const PAD = { left: 64, right: 16, top: 16, bottom: 90 };

/** A bar or line chart of a small result (SVG: scales with the window, prints, no library). */
export function ChartView({ data, kind, label }: { data: ChartData; kind: "bar" | "line"; label: string }) {
  const { lang } = useI18n();
  const axis = ticks(data.min, data.max);
  const lo = axis[0]!;
  const hi = axis.at(-1)!;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH - ((v - lo) / (hi - lo || 1)) * plotH;
  const band = plotW / data.categories.length;
  const barW = Math.max(2, (band * 0.8) / data.series.length);
  const cx = (c: number) => PAD.left + band * c + band / 2;
  const fmt = (v: number) => formatCount(v, lang);
  return (
    <figure className="chart" data-test="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} className="chart-svg">
        {axis.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} className="chart-grid" />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" className="chart-tick">
              {fmt(v)}
            </text>
          </g>
        ))}
        {data.categories.map((c, i) => (
          <text key={i} x={cx(i)} y={H - PAD.bottom + 14} textAnchor="end" transform={`rotate(-35 ${cx(i)} ${H - PAD.bottom + 14})`} className="chart-tick">
            {c.length > 22 ? c.slice(0, 21) + "…" : c}
          </text>
        ))}
        {data.series.map((s, si) =>
          kind === "bar" ? (
            s.values.map((v, ci) =>
              v === null ? null : (
                <rect
                  key={`${si}:${ci}`}
                  x={cx(ci) - (barW * data.series.length) / 2 + si * barW}
                  y={Math.min(y(v), y(0))}
                  width={barW - 1}
                  height={Math.max(1, Math.abs(y(v) - y(0)))}
                  fill={COLOURS[si % COLOURS.length]}
                >
                  <title>{`${data.categories[ci]} · ${s.name}: ${fmt(v)}`}</title>
                </rect>
              ),
            )
          ) : (
            <g key={si}>
              <polyline
                fill="none"
                stroke={COLOURS[si % COLOURS.length]}
                strokeWidth={2}
                points={s.values.map((v, ci) => (v === null ? null : `${cx(ci)},${y(v)}`)).filter(Boolean).join(" ")}
              />
              {s.values.map((v, ci) =>
                v === null ? null : (
                  <circle key={ci} cx={cx(ci)} cy={y(v)} r={3} fill={COLOURS[si % COLOURS.length]}>
                    <title>{`${data.categories[ci]} · ${s.name}: ${fmt(v)}`}</title>
                  </circle>
                ),
              )}
            </g>
          ),
        )}
      </svg>
      <figcaption>
        <ul className="chart-legend plain">
          {data.series.map((s, si) => (
            <li key={si}>
              <span className="chart-swatch" style={{ background: COLOURS[si % COLOURS.length] }} aria-hidden="true" /> {s.name}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
