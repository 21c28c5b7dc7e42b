/**
 * The one thing the core needs from a platform: a way to call a Bot API method.
 *
 * The grammY plugin passes `ctx.api.raw` through, so transformers such as
 * auto-retry and the throttler keep working; the Node-RED node passes grammY's
 * `Api` or an "emit only" implementation that hands operations to the flow.
 */
export interface BotApi {
  /**
   * Call `method` with `payload` and resolve with the method's `result`.
   *
   * Rejections are read by duck typing (see {@link classifyApiError}): an error
   * with `error_code` and `description` (and `parameters.retry_after` for 429)
   * is a reply from Telegram, as grammY's `GrammyError` is; anything else is a
   * network failure whose outcome is unknown.
   */
  call(method: string, payload: Record<string, unknown>, signal?: AbortSignal): Promise<unknown>;
}
