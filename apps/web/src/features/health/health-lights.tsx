/** @jsxRuntime automatic */
import type { HealthLightModel } from './health-model.ts';

const STATE_WORDS = { ok: 'ok', degraded: 'degraded', down: 'down' } as const;

/** One light per component: green ok, amber degraded, red down; hover or focus for why. */
export function HealthLights(props: { lights: readonly HealthLightModel[] }) {
  if (props.lights.length === 0) {
    return <p className="muted">The server reports no components.</p>;
  }
  return (
    <ul
      className="health-lights"
      aria-label="Component health"
      style={{ listStyle: 'none', margin: 0, padding: 0 }}
    >
      {props.lights.map((light) => (
        <li
          key={light.name}
          className="health-light"
          data-testid="health-light"
          data-component={light.name}
          data-state={light.state}
          tabIndex={0}
          aria-label={`${light.label}: ${STATE_WORDS[light.state]}${light.reason ? ` (${light.reason})` : ''}`}
        >
          <span className="dot" aria-hidden="true" />
          <span>{light.label}</span>
          <span className="tooltip" role="tooltip">
            <strong>{light.name}</strong>
            {light.details.map((line, index) => (
              <span key={index} style={{ display: 'block' }} className={index === 0 ? undefined : 'muted'}>
                {line}
              </span>
            ))}
          </span>
        </li>
      ))}
    </ul>
  );
}
