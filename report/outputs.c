/* outputs: summary.csv and timeseries.csv of one run (see outputs.h). */
#include "outputs.h"

#include <stdlib.h>
#include <unistd.h>

#include "outfile.h"
#include "timeseries.h"
#include "util.h"

int report_write_outputs(const struct run *run, const char *dir, struct summary *sum, char *err, size_t errlen)
{
	struct timeseries ts = {0};
	char *ts_path = xasprintf("%s/timeseries.csv", dir), *sum_path = xasprintf("%s/summary.csv", dir);
	char *ts_tmp = xasprintf("%s/.timeseries.csv.%ld.tmp", dir, (long)getpid());
	char *sum_tmp = xasprintf("%s/.summary.csv.%ld.tmp", dir, (long)getpid());
	int rc = -1;

	summary_compute(run, sum);
	timeseries_build(run, &ts);
	if (timeseries_write(&ts, ts_tmp, err, errlen) < 0 || summary_write(sum, sum_tmp, err, errlen) < 0) {
		unlink(ts_tmp);
		unlink(sum_tmp);
		goto done;
	}
	if (outfile_commit(ts_tmp, ts_path, err, errlen) < 0) {
		unlink(sum_tmp);
		goto done;
	}
	if (outfile_commit(sum_tmp, sum_path, err, errlen) < 0)
		goto done;
	rc = 0;
done:
	timeseries_free(&ts);
	free(ts_path);
	free(sum_path);
	free(ts_tmp);
	free(sum_tmp);
	return rc;
}
