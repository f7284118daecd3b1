<?php
/**
 * The plugin's request signing, byte for byte what Rapport verifies (the vector is
 * app.auth.site_requests.sign over the same body).
 */

declare(strict_types=1);

use PHPUnit\Framework\TestCase;

define('RAPPORT_TESTING', true);
require_once __DIR__ . '/../rapport/includes/class-rapport-signer.php';

final class SignerTest extends TestCase
{
    private const SECRET = '0123456789abcdef';
    private const BODY = '{"store":12,"customer":"42","issued_at":1765000000,"nonce":"00112233445566778899aabbccddeeff"}';

    public function testTheBodyNamesTheStoreTheUserAsTextTheTimeAndTheNonce(): void
    {
        $this->assertSame(self::BODY, Rapport_Signer::body(12, 42, 1765000000, '00112233445566778899aabbccddeeff'));
    }

    public function testTheSignatureIsTheHexHmacRapportComputes(): void
    {
        $this->assertSame('2f2b7accedae46080a7bc4407462b0f9b9780792d14ebe2f775581d759575489',
            Rapport_Signer::sign(self::SECRET, self::BODY));
    }

    public function testEveryBodyGetsAFreshNonceAndTheCurrentTime(): void
    {
        $first = json_decode(Rapport_Signer::body(12, 42), true);
        $second = json_decode(Rapport_Signer::body(12, 42), true);
        $this->assertNotSame($first['nonce'], $second['nonce']);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{32}$/', $first['nonce']);
        $this->assertEqualsWithDelta(time(), $first['issued_at'], 2);
    }

    public function testAChangedByteChangesTheSignature(): void
    {
        $this->assertNotSame(Rapport_Signer::sign(self::SECRET, self::BODY),
            Rapport_Signer::sign(self::SECRET, str_replace('"42"', '"43"', self::BODY)));
    }

    public function testNoSecretOrNoUserSignsNothing(): void
    {
        $this->expectException(InvalidArgumentException::class);
        Rapport_Signer::sign('', self::BODY);
    }

    public function testAGuestHasNoUserIdToSign(): void
    {
        $this->expectException(InvalidArgumentException::class);
        Rapport_Signer::body(12, 0);
    }
}
