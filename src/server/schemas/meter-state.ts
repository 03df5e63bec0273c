/** The server's state of a meter: active or deactivated, and a key-change set not yet confirmed. */
import Type from 'typebox';

const Nullable = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export const MeterState = Type.Object({
  active: Type.Boolean({ description: 'false: deactivated, no sales' }),
  deactivatedAt: Nullable('ISO 8601 UTC instant of deactivation'),
  deactivatedBy: Nullable('who deactivated it'),
  deactivationReason: Nullable('why'),
  pendingKeyChange: Nullable('transaction id of a key-change set returned before every credit token until a report verifies under the new key'),
  pendingKeyChangeAt: Nullable('when that set was issued'),
}, { $id: 'MeterState' });

export const PendingKeyChange = Type.Object({
  transactionId: Type.String(),
  tokens: Type.Array(Type.String({ pattern: '^[0-9]{20}$' })),
  grouped: Type.Array(Type.String()),
  instruction: Type.String(),
}, { description: 'key-change tokens to enter before the credit token, in this order' });
