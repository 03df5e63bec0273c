/** Website accounts and sessions: the request bodies and answers. */
import Type from 'typebox';
import { USERNAME_PATTERN } from '../accounts';
import { Pan } from './common';
import { CustomerNumber } from './customer';

/** As typed at sign-in (any case; checked against the stored, lower-case names). */
const TypedUsername = Type.String({ minLength: 1, maxLength: 64, description: 'the username (case does not matter)' });
export const Username = Type.String({ pattern: USERNAME_PATTERN, description: '3 to 32 characters from a-z 0-9 . _ -, starting with a letter or digit' });
/** The length rule is checked by checkPassword (accounts.ts), which names it; the schema only bounds the size. */
export const Password = Type.String({ minLength: 1, maxLength: 1024, description: 'at least 10 characters, at most 128, not containing the username' });

export const SignInRequest = Type.Object({ username: TypedUsername, password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });

export const SessionInfo = Type.Object({
  username: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('customer')]),
  customerNumber: Type.Union([Type.String(), Type.Null()]),
  csrfToken: Type.String({ description: 'send it in the x-csrf-token header of every request that changes something' }),
  expiresAt: Type.String({ description: 'the absolute end of the session' }),
  idleExpiresAt: Type.String({ description: 'the end if no request comes before it' }),
}, { $id: 'Session' });

export const AdminUserCreation = Type.Object({ username: Username, password: Password }, { additionalProperties: false });

export const UserInfo = Type.Object({
  username: Type.String(), role: Type.String(), customerNumber: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String(), createdBy: Type.String(),
}, { $id: 'User' });

export const InvitationRequest = Type.Object({
  validDays: Type.Integer({ minimum: 1, maximum: 30, default: 7, description: 'days the code stays valid (default 7)' }),
}, { additionalProperties: false });

export const InvitationAnswer = Type.Object({
  code: Type.String({ description: 'the one-time code, shown in this answer only: give it to the customer' }),
  customerNumber: Type.String(), expiresAt: Type.String(),
});

export const AccountRegistration = Type.Object({
  username: Username,
  password: Password,
  invitation: Type.Optional(Type.String({ pattern: '^inv_[A-Za-z0-9_-]{32}$', description: 'an invitation code from the utility' })),
  customerNumber: Type.Optional(CustomerNumber),
  pan: Type.Optional(Pan),
}, { additionalProperties: false });
