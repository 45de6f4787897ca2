import audit from "../services/audit/service.ts";
import imaging from "../services/imaging/service.ts";
import invokeProxy from "../services/invoke-proxy/service.ts";
import notify from "../services/notify/service.ts";
import upload from "../services/upload/service.ts";

/** Every service on the platform. Adding a service is adding its manifest here. */
export const manifests = [upload, imaging, audit, invokeProxy, notify];
