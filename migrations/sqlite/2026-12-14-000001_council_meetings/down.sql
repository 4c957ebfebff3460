DROP TABLE council_meetings;
