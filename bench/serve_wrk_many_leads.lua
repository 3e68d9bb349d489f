-- POST /api/v1/lead-scoring-ml/score/:leadId over many different leads (ids first..first+49,999,
-- stepping through them in a scrambled order), as a scoring service sees them: each lead
-- scored about once, not one row updated thousands of times. Set FIRST_ID and FACTORS in the
-- environment (defaults 1 and 5).
wrk.method = "POST"
local first = tonumber(os.getenv("FIRST_ID") or "1")
local factors = os.getenv("FACTORS") or "5"
local counter = 0
request = function()
  counter = counter + 1
  local id = first + (counter * 7919) % 50000
  return wrk.format(nil, "/api/v1/lead-scoring-ml/score/" .. id .. "?factors=" .. factors)
end
