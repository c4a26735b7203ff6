select * from board_scorecard
