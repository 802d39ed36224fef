/** @jsxRuntime automatic */
import type { AdaptiveBandLevel } from '@runecast/contracts';
import { formatPercent } from '../../lib/format.ts';

/** Points between live and nominal coverage, signed ("+1.2 pp" covers more than promised). */
export function coverageGap(band: AdaptiveBandLevel): string {
  if (band.liveCoverage === null) return '—';
  const points = (band.liveCoverage - band.nominalCoverage) * 100;
  return `${points >= 0 ? '+' : '−'}${Math.abs(points).toFixed(1)} pp`;
}

/** Live coverage of each band against its nominal level, and the coverage adaptive conformal inference issues it at. */
export function AdaptiveBandsTable(props: { bands: readonly AdaptiveBandLevel[] }) {
  return (
    <table className="small" data-testid="adaptive-bands">
      <thead>
        <tr>
          <th>Band</th>
          <th className="num">Live coverage</th>
          <th className="num">vs nominal</th>
          <th className="num">Issued at</th>
          <th className="num">Scored</th>
        </tr>
      </thead>
      <tbody>
        {props.bands.map((band) => (
          <tr key={band.nominalCoverage}>
            <td>{formatPercent(band.nominalCoverage)}</td>
            <td className="num">{band.liveCoverage === null ? '—' : formatPercent(band.liveCoverage)}</td>
            <td className="num">{coverageGap(band)}</td>
            <td className="num">{(band.issuingCoverage * 100).toFixed(1)}%</td>
            <td className="num">{band.outcomes}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
