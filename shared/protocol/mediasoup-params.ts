/**
 * zod schemas for the mediasoup parameter objects that cross the signaling boundary.
 * They check structure and bounds (so garbage never reaches the SFU); mediasoup itself
 * validates the semantics and its errors become typed BAD_REQUEST replies.
 */
import { z } from 'zod';

const Str = z.string().max(256);
const Params = z.record(z.string().max(64), z.union([z.string().max(512), z.number(), z.boolean()]));

export const RtcpFeedback = z.looseObject({ type: Str, parameter: Str.optional() });

/** `audio/opus`, `video/H264`, `video/rtx`: mediasoup rejects anything else as a malformed capability. */
const MimeType = z.string().regex(/^(audio|video)\/[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$/, 'mimeType must look like "video/VP8"');

export const RtpCodecCapability = z.looseObject({
  kind: z.enum(['audio', 'video']),
  mimeType: MimeType,
  preferredPayloadType: z.number().int().min(0).max(127).optional(),
  clockRate: z.number().int().positive(),
  channels: z.number().int().positive().optional(),
  parameters: Params.optional(),
  rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
});

export const RtpHeaderExtension = z.looseObject({
  kind: z.enum(['audio', 'video']),
  uri: Str.min(1),
  preferredId: z.number().int().min(1).max(255),
  preferredEncrypt: z.boolean().optional(),
  direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
});

export const RtpCapabilities = z.looseObject({
  codecs: z.array(RtpCodecCapability).max(64).optional(),
  headerExtensions: z.array(RtpHeaderExtension).max(64).optional(),
});
export type RtpCapabilities = z.infer<typeof RtpCapabilities>;

export const RtpParameters = z.looseObject({
  mid: Str.optional(),
  codecs: z
    .array(
      z.looseObject({
        mimeType: MimeType,
        payloadType: z.number().int().min(0).max(127),
        clockRate: z.number().int().positive(),
        channels: z.number().int().positive().optional(),
        parameters: Params.optional(),
        rtcpFeedback: z.array(RtcpFeedback).max(32).optional(),
      }),
    )
    .min(1)
    .max(16),
  headerExtensions: z
    .array(
      z.looseObject({
        uri: Str.min(1),
        id: z.number().int().min(1).max(255),
        encrypt: z.boolean().optional(),
        parameters: Params.optional(),
      }),
    )
    .max(32)
    .optional(),
  encodings: z
    .array(
      z.looseObject({
        ssrc: z.number().int().optional(),
        rid: Str.optional(),
        codecPayloadType: z.number().int().optional(),
        rtx: z.looseObject({ ssrc: z.number().int() }).optional(),
        dtx: z.boolean().optional(),
        scalabilityMode: Str.optional(),
        scaleResolutionDownBy: z.number().positive().optional(),
        maxBitrate: z.number().positive().optional(),
      }),
    )
    .max(8)
    .optional(),
  rtcp: z.looseObject({ cname: Str.optional(), reducedSize: z.boolean().optional() }).optional(),
});
export type RtpParameters = z.infer<typeof RtpParameters>;

export const DtlsParameters = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.looseObject({ algorithm: Str, value: z.string().max(512) }))
    .min(1)
    .max(8),
});
export type DtlsParameters = z.infer<typeof DtlsParameters>;

export const IceParameters = z.looseObject({ usernameFragment: Str, password: Str, iceLite: z.boolean().optional() });
export const IceCandidate = z.looseObject({
  foundation: Str,
  priority: z.number(),
  address: Str,
  ip: Str.optional(),
  protocol: z.enum(['udp', 'tcp']),
  port: z.number().int(),
  type: Str,
  tcpType: Str.optional(),
});

export const SctpCapabilities = z.looseObject({
  numStreams: z.looseObject({ OS: z.number().int().min(1).max(65535), MIS: z.number().int().min(1).max(65535) }),
});
export type SctpCapabilities = z.infer<typeof SctpCapabilities>;

export const SctpParameters = z.looseObject({
  port: z.number().int(),
  OS: z.number().int(),
  MIS: z.number().int(),
  maxMessageSize: z.number().int(),
});

export const SctpStreamParameters = z.looseObject({
  streamId: z.number().int().min(0).max(65535),
  ordered: z.boolean().optional(),
  maxPacketLifeTime: z.number().int().optional(),
  maxRetransmits: z.number().int().optional(),
});
export type SctpStreamParameters = z.infer<typeof SctpStreamParameters>;
