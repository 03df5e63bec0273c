/** The website's words in Indonesian (the default) and English. Every key exists in both (checked by the type). */
export const LANGUAGES = ['id', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const id = {
  title: 'HydroSync — air prabayar',
  signIn: 'Masuk', signOut: 'Keluar', username: 'Nama pengguna', password: 'Kata sandi',
  signInFailed: 'Nama pengguna atau kata sandi salah, atau akun dikunci sementara.',
  language: 'English', loading: 'Memuat…',
  myMeters: 'Meter saya', noMeters: 'Belum ada meter yang terhubung dengan akun Anda. Hubungi PDAM.',
  meter: 'Meter', remaining: 'Sisa air', perDay: 'Pemakaian per hari', daysLeft: 'Perkiraan hari tersisa', lastReport: 'Laporan terakhir',
  noReport: 'Belum ada laporan dari meter. Masukkan kode laporan yang tampil di meter.',
  alerts: 'Peringatan',
  buy: 'Beli air', amountRupiah: 'Jumlah (Rp)', preview: 'Lihat rincian', pay: 'Bayar', breakdown: 'Rincian tarif blok',
  youGet: 'Anda mendapat', change: 'Kembalian',
  waitingPayment: 'Menunggu pembayaran… Selesaikan pembayaran di halaman pembayaran, lalu kembali ke sini.',
  openPayment: 'Buka halaman pembayaran', paymentFailed: 'Pembayaran gagal atau kedaluwarsa.',
  token: 'Token', copy: 'Salin', copied: 'Tersalin', enterToken: 'Masukkan token ini di keypad meter.',
  keyChangeFirst: 'Masukkan token perubahan kunci ini lebih dulu, berurutan:',
  sendBluetooth: 'Kirim ke meter lewat Bluetooth',
  reportCode: 'Kode laporan (20 angka)', sendReport: 'Kirim laporan',
  history: 'Riwayat pembelian', reprint: 'Cetak ulang',
  customers: 'Pelanggan', search: 'Cari', number: 'Nomor pelanggan', name: 'Nama', phone: 'Telepon', address: 'Alamat',
  register: 'Daftarkan', registered: 'Terdaftar', linkMeter: 'Hubungkan meter', pan: 'Nomor meter (PAN, 18 angka)',
  meters: 'Meter', adminHome: 'Admin PDAM', error: 'Terjadi kesalahan',
  litres: 'liter', cubicMetres: 'm³',
};

const en: typeof id = {
  title: 'HydroSync — prepaid water',
  signIn: 'Sign in', signOut: 'Sign out', username: 'Username', password: 'Password',
  signInFailed: 'Wrong username or password, or the account is locked for a while.',
  language: 'Bahasa Indonesia', loading: 'Loading…',
  myMeters: 'My meters', noMeters: 'No meter is linked to your account yet. Contact the utility.',
  meter: 'Meter', remaining: 'Water left', perDay: 'Use per day', daysLeft: 'Estimated days left', lastReport: 'Last report',
  noReport: 'No report from the meter yet. Type the report code the meter shows.',
  alerts: 'Alerts',
  buy: 'Buy water', amountRupiah: 'Amount (Rp)', preview: 'Show breakdown', pay: 'Pay', breakdown: 'Block tariff breakdown',
  youGet: 'You get', change: 'Change',
  waitingPayment: 'Waiting for the payment… Finish paying on the payment page, then come back here.',
  openPayment: 'Open the payment page', paymentFailed: 'The payment failed or expired.',
  token: 'Token', copy: 'Copy', copied: 'Copied', enterToken: 'Type this token on the meter keypad.',
  keyChangeFirst: 'Enter these key-change tokens first, in this order:',
  sendBluetooth: 'Send to the meter over Bluetooth',
  reportCode: 'Report code (20 digits)', sendReport: 'Send report',
  history: 'Purchase history', reprint: 'Reprint',
  customers: 'Customers', search: 'Search', number: 'Customer number', name: 'Name', phone: 'Phone', address: 'Address',
  register: 'Register', registered: 'Registered', linkMeter: 'Link meter', pan: 'Meter number (PAN, 18 digits)',
  meters: 'Meters', adminHome: 'Utility admin', error: 'Something went wrong',
  litres: 'litres', cubicMetres: 'm³',
};

export type Strings = typeof id;
export const STRINGS: Record<Language, Strings> = { id, en };
