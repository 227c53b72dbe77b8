/** A company's own consent, the second of the two keys (the first is `TELEMETRY_ENABLED`). */
export interface CompanyConsent {
  /** The company allows its events to be forwarded. @default false */
  telemetryEnabled: boolean;
  /** The company allows its id (and a keyed hash of the user id) to be sent. @default false */
  idsAllowed: boolean;
}

/** What a company has when it never said anything: no telemetry, no ids. */
export const NO_CONSENT: CompanyConsent = Object.freeze({ telemetryEnabled: false, idsAllowed: false });

/** Both keys must allow it: the global switch and the company's own consent. */
export function mayForward(globalEnabled: boolean, consent: CompanyConsent): boolean {
  return globalEnabled && consent.telemetryEnabled;
}

/** A change names only what it changes; the rest stays as it was. */
export function applyConsentChange(
  current: CompanyConsent,
  change: { telemetryEnabled?: boolean | undefined; idsAllowed?: boolean | undefined },
): CompanyConsent {
  return {
    telemetryEnabled: change.telemetryEnabled ?? current.telemetryEnabled,
    idsAllowed: change.idsAllowed ?? current.idsAllowed,
  };
}
