/** The toll-fraud guard's tables (migration 0005_fraud_guard, src/store/fraud-migration.ts), as Kysely sees them. */

export interface FraudSettingsTable {
  tenant_id: string;
  /** JSON of src/fraud/fraud-settings.ts FraudSettings. */
  settings: string;
  updated_at: string;
  updated_by: string;
}

export interface FraudRangeDaysTable {
  tenant_id: string;
  /** E.164 digits without the last range-digits. */
  number_range: string;
  day: string;
  short_calls: number;
}

export interface FraudCountriesTable {
  tenant_id: string;
  country: string;
  first_call_at: string;
}

export interface FraudIncidentsTable {
  tenant_id: string;
  id: string;
  organizer_id: string;
  organizer_upn: string | null;
  organizer_name: string | null;
  pattern: string;
  /** open, resolved (restricted or blocked), dismissed. */
  status: 'open' | 'resolved' | 'dismissed';
  legs: number;
  dialout_seconds: number;
  cost_micros: number;
  first_leg_at: string;
  last_leg_at: string;
  /** JSON of the latest match's figures (src/fraud/rules.ts MatchDetail). */
  detail: string;
  /** What "block destination" blocks: "+digits" or a country. */
  block_target: string;
  /** What the incident is about, one key per line (see src/fraud/rules.ts episodeOf); dismissed ones stay quiet. */
  episodes: string;
  /** Actions taken, comma-separated: restricted, blocked. */
  actions: string;
  opened_at: string;
  updated_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
}

export interface FraudIncidentLegsTable {
  tenant_id: string;
  incident_id: string;
  leg_id: string;
  conference_id: string | null;
  start_at: string;
}

export interface FraudBlockListTable {
  tenant_id: string;
  target: string;
  added_at: string;
  added_by: string;
  incident_id: string | null;
}

export interface FraudTables {
  fraud_settings: FraudSettingsTable;
  fraud_range_days: FraudRangeDaysTable;
  fraud_countries: FraudCountriesTable;
  fraud_incidents: FraudIncidentsTable;
  fraud_incident_legs: FraudIncidentLegsTable;
  fraud_block_list: FraudBlockListTable;
}
