-- A one-time link may also be one a user asked for on "Glemt adgangskode?" ('forgotten'):
-- unlike an admin's reset it leaves the old password working until the link is used.
ALTER TABLE invitations DROP CONSTRAINT invitations_purpose_check;
ALTER TABLE invitations ADD CONSTRAINT invitations_purpose_check
    CHECK (purpose IN ('invite', 'reset', 'forgotten'));
