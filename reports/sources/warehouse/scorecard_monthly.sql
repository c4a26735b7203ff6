select * from scorecard_monthly
