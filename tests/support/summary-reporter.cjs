// Prints one plain closing line ("tests: N passed, N failed, N skipped") and fails the run
// when any test was skipped or left as a todo: a green run must have run everything.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    this.error = skipped > 0 ? new Error(`${skipped} test(s) were skipped or left as todo; a green run must run every test.`) : undefined;
    if (this.error) console.error(this.error.message);
    console.log(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
  }
  getLastError() {
    return this.error;
  }
}
module.exports = SummaryReporter;
