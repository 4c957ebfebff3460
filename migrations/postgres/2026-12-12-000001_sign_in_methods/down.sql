DROP TABLE recovery_codes;
DROP TABLE totp_secrets;
DROP TABLE user_identities;
ALTER TABLE users DROP COLUMN break_glass;
