-- wrk script for run.sh's paced rounds: each connection waits PACE_MS milliseconds (default 10) between the end of
-- one answer and the next request, so the load stays well below saturation and a latency measured under it is the
-- time a request takes, not the time it queues.
local pause = tonumber(os.getenv("PACE_MS") or "10")

function delay()
  return pause
end
