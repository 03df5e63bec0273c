/**
 * Midtrans notification signatures: signature_key = SHA512(order_id + status_code + gross_amount
 * + server key), hex. Checked in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The signature_key of a notification's fields under a server key. */
export function midtransSignature(orderId: string, statusCode: string, grossAmount: string, serverKey: string): string {
  return createHash('sha512').update(orderId + statusCode + grossAmount + serverKey, 'utf8').digest('hex');
}

/** True when `body` is an object whose signature_key matches its order_id, status_code and gross_amount. */
export function midtransSignatureValid(body: unknown, serverKey: string): boolean {
  if (body === null || typeof body !== 'object') return false;
  const b = body as Record<string, unknown>;
  const { order_id: orderId, status_code: statusCode, gross_amount: grossAmount, signature_key: given } = b;
  if (typeof orderId !== 'string' || typeof statusCode !== 'string' || typeof grossAmount !== 'string' || typeof given !== 'string') return false;
  const expected = Buffer.from(midtransSignature(orderId, statusCode, grossAmount, serverKey), 'utf8');
  const actual = Buffer.from(given.toLowerCase(), 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Midtrans status_code for a transaction_status: 200 money taken, 201 pending, 202 not paid. */
export function midtransStatusCode(transactionStatus: string): string {
  if (transactionStatus === 'settlement' || transactionStatus === 'capture') return '200';
  if (transactionStatus === 'pending') return '201';
  return '202';
}
