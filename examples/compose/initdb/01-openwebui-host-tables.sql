-- Stands in for Open WebUI's own migrations: in a real deployment Open WebUI
-- creates these tables (user, model, config) at its first start, and
-- groundwork only reads them. The PostgreSQL image runs this file once, when
-- it initialises an empty data directory, before it accepts TCP connections.
--
-- Columns and types follow Open WebUI's PostgreSQL schema as far as the
-- organization-access pack reads it.

CREATE TABLE IF NOT EXISTS "user" (
	id VARCHAR(255) PRIMARY KEY,
	name VARCHAR(255),
	email VARCHAR(255),
	role VARCHAR(255),
	profile_image_url TEXT,
	last_active_at BIGINT,
	updated_at BIGINT,
	created_at BIGINT,
	api_key VARCHAR(255) UNIQUE,
	settings JSON,
	info JSON,
	oauth_sub TEXT UNIQUE
);

CREATE TABLE IF NOT EXISTS model (
	id TEXT PRIMARY KEY,
	user_id TEXT,
	base_model_id TEXT,
	name TEXT,
	params JSON,
	meta JSON,
	access_control JSON,
	is_active BOOLEAN NOT NULL DEFAULT TRUE,
	updated_at BIGINT,
	created_at BIGINT
);

CREATE TABLE IF NOT EXISTS config (
	id SERIAL PRIMARY KEY,
	data JSON NOT NULL,
	version INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMP NOT NULL DEFAULT now(),
	updated_at TIMESTAMP
);

-- Sample users: Open WebUI's system user and a pending user never become
-- members; alice and bob (whose email is NULL) do, in a development
-- organization: 2 users x 12 built-in models = 24 rows in the view.
INSERT INTO "user" (id, name, email, role, profile_image_url, last_active_at, updated_at, created_at) VALUES
	('system', 'System', 'system@mai.local', 'admin', '/user.png', 0, 0, 0),
	('pending-user', 'Pending User', 'pending@example.com', 'pending', '/user.png', 0, 0, 0),
	('alice', 'Alice', 'alice@example.com', 'user', '/user.png', 0, 0, 0),
	('bob', 'Bob', NULL, 'admin', '/user.png', 0, 0, 0)
ON CONFLICT (id) DO NOTHING;
