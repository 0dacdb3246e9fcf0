module redis-chaos/reaper

go 1.23
