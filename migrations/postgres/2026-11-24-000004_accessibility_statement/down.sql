DROP TABLE accessibility_statement;
