//! What a device's serial number (its ARN) says of it.

/// Whether a device IAM lists can give a one-time code: virtual (`…:mfa/…`) and hardware
/// TOTP devices can; security keys (FIDO, `…:u2f/…`) cannot be used with GetSessionToken.
pub fn is_totp_device(serial: &str) -> bool {
    !serial.contains(":u2f/")
}

/// Whether a device is the account root user's: AWS names its virtual device
/// `arn:aws:iam::ACCOUNT:mfa/root-account-mfa-device` (in every partition).
pub fn is_root_device(serial: &str) -> bool {
    serial.starts_with("arn:") && serial.ends_with(":mfa/root-account-mfa-device")
}
