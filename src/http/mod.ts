/** The HTTP edge: the request handler, its router and its error responses. @module */
export {
  type AppDeps,
  type AppHandler,
  createApp,
  type LogLineView,
  type PluginInsights,
  type PluginLifecycle,
  type UpgradeOutcome,
} from "./app.ts";
export { type BrowserGuard, browserGuard } from "./browser_guard.ts";
export { Credentials, randomId, SESSION_COOKIE } from "./credentials.ts";
export { Metrics } from "./metrics.ts";
export { eventStream, type ServerEvent } from "./sse.ts";
export { HttpError } from "./http_error.ts";
export { type PluginGateway, pluginProxy, type ProxyOptions } from "./plugin_proxy.ts";
export { describeFailure, problemResponse } from "./problem.ts";
export { type RouteContext, type RouteHandler, Router } from "./router.ts";
export { isLoopback, originAllowed } from "./origin.ts";
export { type FrameStream } from "./grpc_websocket_link.ts";
export { type RelayOptions, type WebSocketGateway, webSocketRelay } from "./websocket_relay.ts";
export {
  configRoutes,
  type PluginConfigAdmin,
  type PluginConfigUpdate,
  type PluginConfigView,
} from "./routes/config_routes.ts";
export {
  type ApprovalOutcome,
  approvalRoutes,
  type ManifestApprovalView,
  type ManifestAsk,
  type ManifestState,
  type PluginApprovals,
} from "./routes/approval_routes.ts";
export {
  type InstallOutcome,
  type InstallSource,
  type PluginInstalls,
} from "./routes/install_routes.ts";
