/** Customers: registration, changes, the record as shown, search paging, meter links. */
import Type from 'typebox';
import { Pan } from './common';

/** The utility's customer number (it becomes part of the vending point of the customer's website sales: `customer.<number>`). */
export const CustomerNumber = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$',
  description: 'the customer number the utility chose: 1 to 30 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit',
});

const Printable = (max: number, description: string) => Type.String({ minLength: 1, maxLength: max, pattern: '^(?=.*\\S)[^\\u0000-\\u001f\\u007f]*$', description });
const Phone = Type.String({ pattern: '^\\+?[0-9][0-9 -]{4,19}$', description: 'digits, spaces and dashes, an optional leading +, 5 to 20 characters' });
const Email = Type.String({ maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', description: 'an e-mail address (name@domain.tld)' });

const Name = Printable(100, 'the customer\'s name (1 to 100 printable characters)');
const Address = Printable(300, 'the supply address (one line, up to 300 characters)');

export const Customer = Type.Object({
  number: Type.String(), name: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]), email: Type.Union([Type.String(), Type.Null()]), address: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(), updatedAt: Type.String(),
}, { $id: 'Customer' });

export const CustomerRegistration = Type.Object({
  number: CustomerNumber, name: Name,
  phone: Type.Optional(Phone), email: Type.Optional(Email), address: Type.Optional(Address),
}, { additionalProperties: false });

export const CustomerUpdate = Type.Object({
  name: Type.Optional(Name),
  phone: Type.Optional(Type.Union([Phone, Type.Null()], { description: 'null removes it' })),
  email: Type.Optional(Type.Union([Email, Type.Null()], { description: 'null removes it' })),
  address: Type.Optional(Type.Union([Address, Type.Null()], { description: 'null removes it' })),
}, { additionalProperties: false, minProperties: 1 });

export const CustomerDetail = Type.Intersect([Type.Ref('Customer'), Type.Object({
  meters: Type.Array(Type.String(), { description: 'the PANs of the meters linked to the customer' }),
  account: Type.Union([Type.Object({ username: Type.String() }), Type.Null()], { description: 'the customer\'s website account, if any' }),
})]);

export const CustomerListQuery = Type.Object({
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$', description: 'a prefix of the customer number or name (case-insensitive)' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  after: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,29}$', description: 'the last customer number of the previous page' })),
}, { additionalProperties: false });

export const CustomerPage = Type.Object({
  items: Type.Array(Type.Ref('Customer')),
  next: Type.Union([Type.String(), Type.Null()], { description: 'pass as ?after= for the next page; null on the last' }),
});

export const MeterLink = Type.Object({ customerNumber: Type.String(), pan: Type.String(), linkedAt: Type.String() }, { $id: 'MeterLink' });

export const MeterLinkRequest = Type.Object({ pan: Pan }, { additionalProperties: false });
