# R's side of the peer comparison: wilcox.test with and without conf.int (Kayenta's computation).
# Run by bench/peers/run; prints CSV rows case,call,median_s,reps. The 1M conf.int call takes
# minutes per repetition, so it runs only with FLOODGATE_PEERS_FULL=1.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
full <- Sys.getenv("FLOODGATE_PEERS_FULL") == "1"
cases <- list(list(10000, "continuous", 21, 5), list(10000, "ties", 21, 5),
              list(1000000, "continuous", 5, 1), list(1000000, "ties", 5, 1))
median_seconds <- function(reps, f) {
  f()
  t <- numeric(reps)
  for (i in seq_len(reps)) t[i] <- system.time(f())[["elapsed"]]
  median(t)
}
for (c in cases) {
  n <- c[[1]]; kind <- c[[2]]
  label <- sprintf("%d_%s", as.integer(n), kind)
  x <- readBin(file.path(dir, paste0(label, "_x.f64")), "double", n)
  y <- readBin(file.path(dir, paste0(label, "_y.f64")), "double", n)
  t <- median_seconds(c[[3]], function() wilcox.test(x, y, exact = FALSE))
  cat(sprintf("%s,R %s wilcox.test(exact=FALSE),%.6g,%d\n", label, getRversion(), t, c[[3]]))
  if (n <= 10000 || full) {
    t <- median_seconds(c[[4]], function() wilcox.test(x, y, exact = FALSE, conf.int = TRUE,
                                                       conf.level = 0.98))
    cat(sprintf("%s,R %s wilcox.test(conf.int=TRUE; conf.level=0.98),%.6g,%d\n", label,
                getRversion(), t, c[[4]]))
  }
}
