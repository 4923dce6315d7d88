# R's cluster::pam (pamonce = 6 is FasterPAM, 0 classic PAM) and clara on a
# CSV written by `shoal gen`; times and total deviation (sum over all rows).
# Usage: Rscript r_kmedoids.R FILE.csv K pam|pam0|clara
suppressMessages(library(cluster))
args <- commandArgs(trailingOnly = TRUE)
x <- read.csv(args[1]); x$label <- NULL; x <- as.matrix(x)
k <- as.integer(args[2]); what <- args[3]
n <- nrow(x)
if (what == "clara") {
  t <- system.time(r <- clara(x, k, samples = 5, sampsize = min(n, 80 + 4 * k), rngR = TRUE, pamLike = TRUE, medoids.x = FALSE, keep.data = FALSE))
  cat(sprintf("R clara     %.3fs  total deviation %.6f  (samples 5, sampsize %d)\n", t[["elapsed"]], r$objective * n, 80 + 4 * k))
} else {
  once <- if (what == "pam0") 0 else 6
  t <- system.time(r <- pam(x, k, pamonce = once, keep.diss = FALSE, keep.data = FALSE))
  cat(sprintf("R pam(pamonce=%d) %.3fs  build %.6f  swap %.6f (total deviations)\n", once, t[["elapsed"]],
              r$objective[["build"]] * n, r$objective[["swap"]] * n))
}
