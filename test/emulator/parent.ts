/**
 * Stop a long-running command when the process that started it goes away.
 *
 * A process manager stops `npm run demo` or `npx streamgram-emulator` by
 * sending SIGTERM to npm; npm passes it to the shell it started, the shell
 * dies, and the command below it is left running with its port taken. An
 * orphaned process is re-parented (to init or a subreaper), so a change of
 * `process.ppid` tells that the parent is gone.
 */

/** How often the parent is checked, in ms. */
const CHECK_EVERY_MS = 500;

/**
 * Call `stop` once, as soon as this process's parent has gone. The check
 * does not keep the process alive.
 */
export function stopWithParent(stop: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop();
  }, CHECK_EVERY_MS);
  timer.unref();
}
