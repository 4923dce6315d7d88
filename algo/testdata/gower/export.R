# Reference values for shoal's Gower and Jaccard dissimilarities, from R's
# cluster package (daisy, pam) and stats::dist. Run from this directory:
#   Rscript export.R
# (run with R 4.2.2, cluster 2.1.4).
# It writes flower.csv, warpbreaks.csv, binary.csv, mtlogical.csv (the
# data) and reference.csv, pairs.csv, logical_reference.csv (what R
# computes on them). Row and medoid
# indices in the outputs are 0-based.
library(cluster)
options(digits = 17)

fl <- flower
flower_csv <- data.frame(
  V1 = ifelse(fl$V1 == "1", "true", "false"),  # 0/1 factors: nominal in daisy
  V2 = ifelse(fl$V2 == "1", "true", "false"),
  V3 = ifelse(fl$V3 == "1", "true", "false"),
  V4 = paste0("c", as.character(fl$V4)),       # 5-level factor: nominal
  V5 = as.integer(fl$V5),                      # ordered: daisy uses the codes,
  V6 = as.integer(fl$V6),                      # range-scaled like interval data
  V7 = fl$V7, V8 = fl$V8)
write.csv(flower_csv, "flower.csv", row.names = FALSE, quote = FALSE)

wb <- warpbreaks
write.csv(data.frame(breaks = wb$breaks, wool = as.character(wb$wool),
                     tension = as.character(wb$tension)),
          "warpbreaks.csv", row.names = FALSE, quote = FALSE)

set.seed(16)
bin <- matrix(rbinom(14 * 6, 1, 0.4), nrow = 14)
colnames(bin) <- paste0("b", 1:6)
write.csv(bin, "binary.csv", row.names = FALSE, quote = FALSE)

ref <- data.frame()
pairs <- data.frame()
add <- function(name, d, ks) {
  for (k in ks) {
    p <- pam(d, k)
    n <- attr(d, "Size")
    obj <- unname(p$objective["swap"])
    ref <<- rbind(ref, data.frame(dataset = name, k = k,
      medoids = paste(p$id.med - 1, collapse = " "),
      objective = sprintf("%.17g", obj), total_deviation = sprintf("%.17g", obj * n)))
  }
  m <- as.matrix(d)
  n <- nrow(m)
  for (ij in list(c(1, 2), c(1, 3), c(2, 5), c(4, n), c(n - 1, n), c(3, 7))) {
    pairs <<- rbind(pairs, data.frame(dataset = name, i = ij[1] - 1, j = ij[2] - 1,
      d = sprintf("%.17g", m[ij[1], ij[2]])))
  }
}
add("flower", daisy(flower, metric = "gower"), 2:5)
add("warpbreaks", daisy(warpbreaks, metric = "gower"), 2:4)
add("binary", dist(bin, method = "binary"), 2:3)
write.csv(ref, "reference.csv", row.names = FALSE, quote = FALSE)
write.csv(pairs, "pairs.csv", row.names = FALSE, quote = FALSE)

# Logical columns: daisy makes them asymmetric binary ("A"), where two
# FALSEs leave the column out of the pair. CSV has no boolean type, so the
# test writes vs and am into an Arrow file as booleans.
mt <- data.frame(mpg = mtcars$mpg, hp = mtcars$hp, cyl = paste0("c", mtcars$cyl),
                 vs = ifelse(mtcars$vs == 1, "true", "false"), am = ifelse(mtcars$am == 1, "true", "false"))
write.csv(mt, "mtlogical.csv", row.names = FALSE, quote = FALSE)
mtr <- data.frame(mpg = mt$mpg, hp = mt$hp, cyl = factor(mt$cyl), vs = mt$vs == "true", am = mt$am == "true")
dl <- suppressWarnings(daisy(mtr, metric = "gower"))  # "setting 'logical' variables to type 'asymm'"
stopifnot(identical(attr(dl, "Types"), c("I", "I", "N", "A", "A")))
lref <- data.frame()
for (k in 2:4) {
  p <- pam(dl, k)
  obj <- unname(p$objective["swap"])
  lref <- rbind(lref, data.frame(dataset = "mtlogical", k = k, medoids = paste(p$id.med - 1, collapse = " "),
    objective = sprintf("%.17g", obj), total_deviation = sprintf("%.17g", obj * nrow(mtr))))
}
write.csv(lref, "logical_reference.csv", row.names = FALSE, quote = FALSE)

