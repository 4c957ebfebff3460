-- Running a round without a developer: reference data shipped with the program, a round's
-- subject and participating municipalities, merged recommendations, and focus areas that came
-- from a municipality's proposal. Works unchanged on SQLite and PostgreSQL.

-- The name a council document gives the municipality's council ("Byrådet").
ALTER TABLE municipalities ADD COLUMN council_name TEXT NOT NULL DEFAULT 'Kommunalbestyrelsen';

-- The policy area a round's documents name, e.g. "beskæftigelsesområdet".
ALTER TABLE rounds ADD COLUMN subject TEXT NOT NULL DEFAULT '';
-- Every round made before subjects existed was on employment (the only set there was).
UPDATE rounds SET subject = 'beskæftigelsesområdet';

-- The municipalities that take part in a round; one left out is not counted as missing.
CREATE TABLE round_municipalities (
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    PRIMARY KEY (round_id, municipality_code)
);
CREATE INDEX round_municipalities_code ON round_municipalities (municipality_code);

-- A recommendation that absorbed another when two were merged: `merged_from` is the earlier
-- round's recommendation whose history also flows into `recommendation_id`'s trend (besides
-- its own `carried_from`).
CREATE TABLE recommendation_merges (
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id),
    merged_from INTEGER NOT NULL REFERENCES recommendations (id),
    PRIMARY KEY (recommendation_id, merged_from)
);
CREATE INDEX recommendation_merges_from ON recommendation_merges (merged_from);

-- A focus area made from a municipality's proposal: the submission that proposed it.
ALTER TABLE focus_areas ADD COLUMN proposal_submission_id INTEGER REFERENCES submissions (id);

-- The five KKRs and 98 municipalities (data/municipalities.csv), so that an installation
-- never needs the demo. On a database that has them already, only the council names are set.
INSERT INTO kkrs (name) VALUES
    ('KKR Hovedstaden'),
    ('KKR Sjælland'),
    ('KKR Syddanmark'),
    ('KKR Midtjylland'),
    ('KKR Nordjylland')
ON CONFLICT (name) DO NOTHING;

-- The municipalities, each with its KKR (by name) and the name of its council.
INSERT INTO municipalities (code, name, kkr_id, council_name)
SELECT v.column1, v.column2, k.id, v.column4
FROM (VALUES
    ('101', 'København', 'KKR Hovedstaden', 'Borgerrepræsentationen'),
    ('147', 'Frederiksberg', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('151', 'Ballerup', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('153', 'Brøndby', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('155', 'Dragør', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('157', 'Gentofte', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('159', 'Gladsaxe', 'KKR Hovedstaden', 'Byrådet'),
    ('161', 'Glostrup', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('163', 'Herlev', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('165', 'Albertslund', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('167', 'Hvidovre', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('169', 'Høje-Taastrup', 'KKR Hovedstaden', 'Byrådet'),
    ('173', 'Lyngby-Taarbæk', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('175', 'Rødovre', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('183', 'Ishøj', 'KKR Hovedstaden', 'Byrådet'),
    ('185', 'Tårnby', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('187', 'Vallensbæk', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('190', 'Furesø', 'KKR Hovedstaden', 'Byrådet'),
    ('201', 'Allerød', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('210', 'Fredensborg', 'KKR Hovedstaden', 'Byrådet'),
    ('217', 'Helsingør', 'KKR Hovedstaden', 'Byrådet'),
    ('219', 'Hillerød', 'KKR Hovedstaden', 'Byrådet'),
    ('223', 'Hørsholm', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('230', 'Rudersdal', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('240', 'Egedal', 'KKR Hovedstaden', 'Byrådet'),
    ('250', 'Frederikssund', 'KKR Hovedstaden', 'Byrådet'),
    ('260', 'Halsnæs', 'KKR Hovedstaden', 'Byrådet'),
    ('270', 'Gribskov', 'KKR Hovedstaden', 'Byrådet'),
    ('400', 'Bornholm', 'KKR Hovedstaden', 'Kommunalbestyrelsen'),
    ('253', 'Greve', 'KKR Sjælland', 'Byrådet'),
    ('259', 'Køge', 'KKR Sjælland', 'Byrådet'),
    ('265', 'Roskilde', 'KKR Sjælland', 'Byrådet'),
    ('269', 'Solrød', 'KKR Sjælland', 'Kommunalbestyrelsen'),
    ('306', 'Odsherred', 'KKR Sjælland', 'Byrådet'),
    ('316', 'Holbæk', 'KKR Sjælland', 'Byrådet'),
    ('320', 'Faxe', 'KKR Sjælland', 'Byrådet'),
    ('326', 'Kalundborg', 'KKR Sjælland', 'Kommunalbestyrelsen'),
    ('329', 'Ringsted', 'KKR Sjælland', 'Byrådet'),
    ('330', 'Slagelse', 'KKR Sjælland', 'Byrådet'),
    ('336', 'Stevns', 'KKR Sjælland', 'Kommunalbestyrelsen'),
    ('340', 'Sorø', 'KKR Sjælland', 'Byrådet'),
    ('350', 'Lejre', 'KKR Sjælland', 'Kommunalbestyrelsen'),
    ('360', 'Lolland', 'KKR Sjælland', 'Kommunalbestyrelsen'),
    ('370', 'Næstved', 'KKR Sjælland', 'Byrådet'),
    ('376', 'Guldborgsund', 'KKR Sjælland', 'Byrådet'),
    ('390', 'Vordingborg', 'KKR Sjælland', 'Byrådet'),
    ('410', 'Middelfart', 'KKR Syddanmark', 'Byrådet'),
    ('420', 'Assens', 'KKR Syddanmark', 'Byrådet'),
    ('430', 'Faaborg-Midtfyn', 'KKR Syddanmark', 'Byrådet'),
    ('440', 'Kerteminde', 'KKR Syddanmark', 'Byrådet'),
    ('450', 'Nyborg', 'KKR Syddanmark', 'Byrådet'),
    ('461', 'Odense', 'KKR Syddanmark', 'Byrådet'),
    ('479', 'Svendborg', 'KKR Syddanmark', 'Byrådet'),
    ('480', 'Nordfyns', 'KKR Syddanmark', 'Byrådet'),
    ('482', 'Langeland', 'KKR Syddanmark', 'Byrådet'),
    ('492', 'Ærø', 'KKR Syddanmark', 'Byrådet'),
    ('510', 'Haderslev', 'KKR Syddanmark', 'Byrådet'),
    ('530', 'Billund', 'KKR Syddanmark', 'Byrådet'),
    ('540', 'Sønderborg', 'KKR Syddanmark', 'Byrådet'),
    ('550', 'Tønder', 'KKR Syddanmark', 'Kommunalbestyrelsen'),
    ('561', 'Esbjerg', 'KKR Syddanmark', 'Byrådet'),
    ('563', 'Fanø', 'KKR Syddanmark', 'Kommunalbestyrelsen'),
    ('573', 'Varde', 'KKR Syddanmark', 'Byrådet'),
    ('575', 'Vejen', 'KKR Syddanmark', 'Byrådet'),
    ('580', 'Aabenraa', 'KKR Syddanmark', 'Byrådet'),
    ('607', 'Fredericia', 'KKR Syddanmark', 'Byrådet'),
    ('621', 'Kolding', 'KKR Syddanmark', 'Byrådet'),
    ('630', 'Vejle', 'KKR Syddanmark', 'Byrådet'),
    ('615', 'Horsens', 'KKR Midtjylland', 'Byrådet'),
    ('657', 'Herning', 'KKR Midtjylland', 'Byrådet'),
    ('661', 'Holstebro', 'KKR Midtjylland', 'Byrådet'),
    ('665', 'Lemvig', 'KKR Midtjylland', 'Byrådet'),
    ('671', 'Struer', 'KKR Midtjylland', 'Byrådet'),
    ('706', 'Syddjurs', 'KKR Midtjylland', 'Byrådet'),
    ('707', 'Norddjurs', 'KKR Midtjylland', 'Kommunalbestyrelsen'),
    ('710', 'Favrskov', 'KKR Midtjylland', 'Byrådet'),
    ('727', 'Odder', 'KKR Midtjylland', 'Byrådet'),
    ('730', 'Randers', 'KKR Midtjylland', 'Byrådet'),
    ('740', 'Silkeborg', 'KKR Midtjylland', 'Byrådet'),
    ('741', 'Samsø', 'KKR Midtjylland', 'Kommunalbestyrelsen'),
    ('746', 'Skanderborg', 'KKR Midtjylland', 'Byrådet'),
    ('751', 'Aarhus', 'KKR Midtjylland', 'Byrådet'),
    ('756', 'Ikast-Brande', 'KKR Midtjylland', 'Byrådet'),
    ('760', 'Ringkøbing-Skjern', 'KKR Midtjylland', 'Byrådet'),
    ('766', 'Hedensted', 'KKR Midtjylland', 'Byrådet'),
    ('779', 'Skive', 'KKR Midtjylland', 'Byrådet'),
    ('791', 'Viborg', 'KKR Midtjylland', 'Byrådet'),
    ('773', 'Morsø', 'KKR Nordjylland', 'Kommunalbestyrelsen'),
    ('787', 'Thisted', 'KKR Nordjylland', 'Kommunalbestyrelsen'),
    ('810', 'Brønderslev', 'KKR Nordjylland', 'Byrådet'),
    ('813', 'Frederikshavn', 'KKR Nordjylland', 'Byrådet'),
    ('820', 'Vesthimmerlands', 'KKR Nordjylland', 'Byrådet'),
    ('825', 'Læsø', 'KKR Nordjylland', 'Kommunalbestyrelsen'),
    ('840', 'Rebild', 'KKR Nordjylland', 'Byrådet'),
    ('846', 'Mariagerfjord', 'KKR Nordjylland', 'Byrådet'),
    ('849', 'Jammerbugt', 'KKR Nordjylland', 'Byrådet'),
    ('851', 'Aalborg', 'KKR Nordjylland', 'Byrådet'),
    ('860', 'Hjørring', 'KKR Nordjylland', 'Byrådet')
) AS v
JOIN kkrs k ON k.name = v.column3
WHERE TRUE
ON CONFLICT (code) DO UPDATE SET council_name = excluded.council_name;

-- Rounds that existed before: every municipality of their KKR took part.
INSERT INTO round_municipalities (round_id, municipality_code)
SELECT r.id, m.code FROM rounds r JOIN municipalities m ON m.kkr_id = r.kkr_id;
