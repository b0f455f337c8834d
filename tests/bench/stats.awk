# stats.awk: summaries over run.sh's raw data (TSV: group case subject run key value).
#
#   awk -f stats.awk -v mode=stat  -v g=G -v c=C -v a=SUBJ -v k=KEY [-v scale=S] [-v fmt=F] data.tsv
#   awk -f stats.awk -v mode=ratio -v g=G -v c=C -v a=SUBJ -v b=REF -v k=KEY [-v k2=KEY2] ...
#   awk -f stats.awk -v mode=diff  ...same as ratio, a - b
#
# Prints "median (min–max)" of value/scale, or of the per-run ratio a/b or
# difference a-b: pairs are matched by run number, so each ratio compares two
# measurements taken back to back. k2 names b's key when it differs from a's.
# Prints "n/a" when there is nothing to summarize. With raw=1 it prints the
# bare median instead (for comparisons against targets).
BEGIN { FS = "\t"; if (scale == "") scale = 1; if (k2 == "") k2 = k }
$1 == g && $2 == c && $3 == a && $5 == k { va[$4] = $6 / scale; have_a[$4] = 1 }
$1 == g && $2 == c && $3 == b && $5 == k2 { vb[$4] = $6 / scale; have_b[$4] = 1 }

function num(x,   ax, f) {
	if (fmt != "")
		return sprintf(fmt, x)
	ax = x < 0 ? -x : x
	if (ax >= 100) f = "%.0f"
	else if (ax >= 10) f = "%.1f"
	else if (ax >= 1) f = "%.2f"
	else f = "%.3f"
	return sprintf(f, x)
}

END {
	n = 0
	for (r in have_a) {
		if (mode == "stat") {
			v[++n] = va[r]
		} else if (r in have_b) {
			if (mode == "ratio") {
				if (vb[r] == 0) continue
				v[++n] = va[r] / vb[r]
			} else {
				v[++n] = va[r] - vb[r]
			}
		}
	}
	if (n == 0) { print "n/a"; exit }
	# insertion sort: a handful of runs
	for (i = 2; i <= n; i++) {
		x = v[i]
		for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]
		v[j + 1] = x
	}
	med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	if (raw) { print med; exit }
	if (n == 1) print num(med)
	else print num(med) " (" num(v[1]) "–" num(v[n]) ")"
}
