# R's side of the peer comparison: wilcox.test with and without conf.int (Kayenta's computation),
# t.test (Welch), and over 2 000 count tables fisher.test, binom.test, prop.test and
# power.prop.test. Run by bench/peers/run; prints CSV rows case,call,median_s,reps[,result]
# (result: the figure peer-floodgate prints for the same inputs). The 1M conf.int call takes
# minutes per repetition, so it runs only with FLOODGATE_PEERS_FULL=1.
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
full <- Sys.getenv("FLOODGATE_PEERS_FULL") == "1"
cases <- list(list(10000, "continuous", 21, 5), list(10000, "ties", 21, 5),
              list(1000000, "continuous", 5, 1), list(1000000, "ties", 5, 1))
# The median over `reps` of the time per call. system.time counts whole milliseconds, so a fast
# call is timed over m calls at once, m a power of ten that takes at least 50 ms.
median_seconds <- function(reps, f) {
  f()
  m <- 1
  repeat {
    e <- system.time(for (j in seq_len(m)) f())[["elapsed"]]
    if (e >= 0.05 || m >= 1e6) break
    m <- m * 10
  }
  t <- numeric(reps)
  for (i in seq_len(reps)) t[i] <- system.time(for (j in seq_len(m)) f())[["elapsed"]] / m
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
  if (kind == "continuous") {
    w <- t.test(x, y)$p.value
    t <- median_seconds(c[[3]], function() t.test(x, y))
    cat(sprintf("%s,R %s t.test (Welch),%.6g,%d,%.17g\n", label, getRversion(), t, c[[3]], w))
  }
}
read_counts <- function(name) readBin(file.path(dir, paste0("counts_", name, ".f64")), "double", 2000)
x1 <- read_counts("x1"); n1 <- read_counts("n1"); x2 <- read_counts("x2"); n2 <- read_counts("n2")
rows <- seq_len(2000)
total <- 0
loop <- function(name, f) {
  t <- median_seconds(5, function() total <<- sum(vapply(rows, f, 0)))
  cat(sprintf("tables_2000,R %s %s,%.6g,5,%.17g\n", getRversion(), name, t, total))
}
loop("fisher.test", function(i) fisher.test(matrix(c(x1[i], n1[i] - x1[i], x2[i], n2[i] - x2[i]),
                                                   2, byrow = TRUE))$p.value)
loop("binom.test", function(i) binom.test(x1[i], n1[i], (x2[i] + 1) / (n2[i] + 2))$p.value)
loop("prop.test (greater)", function(i) suppressWarnings(
  prop.test(c(x1[i], x2[i]), c(n1[i], n2[i]), alternative = "greater")$p.value))
loop("power.prop.test", function(i) {
  p2 <- (x2[i] + 1) / (n2[i] + 2)
  power.prop.test(p1 = p2 + 0.005, p2 = p2, sig.level = 0.05, power = 0.8)$n
})
