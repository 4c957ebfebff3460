DELETE FROM invitations WHERE purpose = 'forgotten';
ALTER TABLE invitations DROP CONSTRAINT invitations_purpose_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_purpose_check
    CHECK (purpose IN ('invite', 'reset'));
