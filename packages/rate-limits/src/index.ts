/**
 * Rate limits on incoming requests: per user or client address (RequestRateLimiter), failed
 * sign-ins per account and address (LoginAttemptLimiter), counted in Redis when configured
 * (RateLimitStore), and refused as RATE_LIMITED with HTTP 429 and Retry-After.
 */
export { LoginAttemptLimiter } from './login-attempt-limiter.js';
export { rateLimitedError, rateLimitedStatusPlugin } from './rate-limited-error.js';
export { RequestRateLimiter, type RedisCounter } from './request-rate-limiter.js';
export { RateLimitStore } from './store.js';
