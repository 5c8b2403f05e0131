// Package orgaccess is the organization-access step pack: the startup
// initialization the seed's Open WebUI deployment ran, done so that it
// converges, races safely and reports what it did.
//
// Schema: client_organizations, organization_models,
// organization_members, their four indexes and the user_available_models
// view. Data: the organization upsert, model registration, model linking
// and development membership, each one set-based statement.
//
// The host tables (user, model, config) belong to Open WebUI. A data step
// whose host table is missing is skipped with a reason naming it; the
// opt-in HostTables step creates minimal ones for demos and tests.
package orgaccess
