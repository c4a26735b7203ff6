select * from gaming_watch
