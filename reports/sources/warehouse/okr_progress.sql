select * from okr_progress
