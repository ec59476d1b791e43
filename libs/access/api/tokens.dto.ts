import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsISO8601, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN, Omittable } from '../../platform/http/validators.js';
import { ROLES, type Role } from '../domain/access.js';

export class IssueTokenDto {
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` }) role!: Role;
  @ApiPropertyOptional({ example: 'nor-nairobi', description: 'the mission a mission token acts for (required for role mission)' })
  @Omittable() @IsString() @Matches(ID_PATTERN, { message: `missionId ${ID_MESSAGE}` }) missionId?: string;
  @ApiPropertyOptional({ example: ['ccm-2026'], type: [String], description: 'the campaigns a coordinator token coordinates (required for role coordinator)' })
  @Omittable() @IsArray() @ArrayMaxSize(100) @Matches(ID_PATTERN, { each: true, message: `each of campaignIds ${ID_MESSAGE}` }) campaignIds?: string[];
  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z', description: 'an ISO instant after which the token no longer works' })
  @Omittable() @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 instant such as 2027-01-01T00:00:00Z' }) expiresAt?: string;
  @ApiPropertyOptional({ example: 'Nairobi desk officer' }) @Omittable() @IsString() @MinLength(1) @MaxLength(200) label?: string;
}

export class TokenView {
  @ApiProperty({ example: 'mission-3f9a2c1b07de' }) id!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiPropertyOptional() missionId?: string;
  @ApiPropertyOptional({ type: [String] }) campaignIds?: string[];
  @ApiPropertyOptional() expiresAt?: string;
  @ApiPropertyOptional() label?: string;
  @ApiProperty() issuedAt!: string;
  @ApiProperty() issuedBy!: string;
  @ApiPropertyOptional() revokedAt?: string;
  @ApiPropertyOptional() revokedBy?: string;
}

export class IssuedToken extends TokenView {
  @ApiProperty({ description: 'the secret: shown in this answer only, never again; send it as "Authorization: Bearer <token>"' }) token!: string;
}
