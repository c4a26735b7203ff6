select * from board_outcomes_monthly
